"""The demo city's office as its public site names it: 关于本站 and every page's footer.

Fictional values (an ``.example`` address, a phone number marked 演示); a real office sets
``LOTTERY_OFFICE_*`` instead (docs/site.md, "关于本站"). ``make demo`` passes the same values
to ``lottery serve`` as environment variables, so the site the service republishes keeps them.
"""

from __future__ import annotations

import shlex

from publisher.office import Office

DEMO_OFFICE_ENV = {
    "LOTTERY_OFFICE_NAME": "青岚市人民防空办公室",
    "LOTTERY_OFFICE_ADDRESS": "青岚市人民路 1 号市政务服务中心 5 楼（演示地址）",
    "LOTTERY_OFFICE_PHONE": "0000-12345678（演示号码）",
    "LOTTERY_OFFICE_EMAIL": "rfb@qinglan.example",
    "LOTTERY_OFFICE_HOURS": "工作日上午 8:30 至 12:00，下午 14:30 至 17:30",
    "LOTTERY_OFFICE_RULES": "《青岚市人民防空办公室“双随机、一公开”抽查工作实施细则》",
}


def demo_office() -> Office:
    """The demo office (the values of :data:`DEMO_OFFICE_ENV`)."""
    env = DEMO_OFFICE_ENV
    return Office(
        name=env["LOTTERY_OFFICE_NAME"],
        address=env["LOTTERY_OFFICE_ADDRESS"],
        phone=env["LOTTERY_OFFICE_PHONE"],
        email=env["LOTTERY_OFFICE_EMAIL"],
        hours=env["LOTTERY_OFFICE_HOURS"],
        rules=env["LOTTERY_OFFICE_RULES"],
    )


def shell_env() -> str:
    """``NAME='value' ...`` of :data:`DEMO_OFFICE_ENV`, for ``make demo``'s ``lottery serve``."""
    return " ".join(f"{name}={shlex.quote(value)}" for name, value in DEMO_OFFICE_ENV.items())


if __name__ == "__main__":
    print(shell_env())  # read by the Makefile
