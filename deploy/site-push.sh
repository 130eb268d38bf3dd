#!/bin/sh
# On the intranet server: push the site version the service built last to the public host,
# then have the host verify it and serve it (docs/deploy.md §3.1). Run every minute by a
# systemd timer as the user `sitepush`. Usage:
#
#     site-push.sh
#
# 1. The build the site link points to now is resolved once (the service may swap the link
#    during the copy; the build itself stays until the service's next swap but one).
# 2. If that build is the one pushed last (the state file), nothing is done: exit 0.
# 3. rsync copies it into `next/` on the host over SSH (the host's key restricts it to
#    `rrsync -wo /srv/lottery/incoming`): only what changed; withdrawn files are deleted; never
#    --inplace (the host serves hard links of these files, so each must be replaced by rename).
# 4. A second key runs the host's forced command `lottery-site-swap /srv/lottery/incoming/next`
#    (deploy/site-swap.sh): the host verifies the copy and switches to it in one rename, or
#    refuses it and keeps the old version served.
# 5. Once the host has answered (served: 0, or refused: 1, the verifier found a fault), the
#    build is recorded as pushed: a refused build is not sent again (each try would verify it
#    again); the next build the service makes is. A failed transfer, a swap that could not be
#    run (SSH down), or one that did not check the build (3: another swap running, a failure
#    on the host) leaves the state file as it was, so the next run tries again. Whatever
#    fails, the host keeps serving the old version.
#
# Settings (environment):
#   LOTTERY_PUSH_HOST   the host's SSH destination, e.g. sitepub@lottery.office.example (required)
#   LOTTERY_SITE        the service's site link (default /srv/lottery/site)
#   LOTTERY_PUSH_STATE  the file naming the build pushed last (default /var/lib/sitepush/pushed)
#   LOTTERY_PUSH_RSH    rsync's remote shell (default: ssh -i /var/lib/sitepush/.ssh/push)
#   LOTTERY_SWAP_RSH    the shell that runs the host's swap (default: ssh -i /var/lib/sitepush/.ssh/swap)
#   RSYNC               the rsync command (default rsync)
# Exit status: 0 pushed and served, or nothing new; 1 not pushed or refused (the host serves
# the old version; the reason on stderr); 2 wrong use. To push a refused build again, remove
# the state file.
set -eu

host=${LOTTERY_PUSH_HOST:-}
site=${LOTTERY_SITE:-/srv/lottery/site}
state=${LOTTERY_PUSH_STATE:-/var/lib/sitepush/pushed}
push_rsh=${LOTTERY_PUSH_RSH:-ssh -i /var/lib/sitepush/.ssh/push}
swap_rsh=${LOTTERY_SWAP_RSH:-ssh -i /var/lib/sitepush/.ssh/swap}
rsync=${RSYNC:-rsync}

if [ $# -ne 0 ] || [ -z "$host" ]; then
    echo "用法：LOTTERY_PUSH_HOST=用户@公开网站主机 site-push.sh（其余设置见脚本开头）" >&2
    exit 2
fi
if [ ! -d "$site" ]; then
    echo "找不到本机网站目录 $site：服务还没有发布网站，本次未推送" >&2
    exit 1
fi

# One run at a time (a slow push and the next timer tick may meet).
exec 9>"$state.lock"
if ! flock -n 9; then
    echo "上一次推送仍在进行，本次跳过"
    exit 0
fi

# The build the link points to now: a new build has a new name (docs/site-publishing.md).
now=$(cd "$site" && pwd -P)
if [ -f "$state" ] && [ "$(cat "$state")" = "$now" ]; then
    exit 0 # this version was pushed and served already
fi

# -a: keep times (rsync sends only what changed); --delete: withdrawn files disappear;
# --chmod: readable by the host's nginx. $push_rsh and $swap_rsh are split into words on
# purpose (a command and its options).
if ! "$rsync" -a --delete --chmod=D755,F644 -e "$push_rsh" "$now/" "$host:next/"; then
    echo "传送到 $host 失败，本次未上线：公开网站保持原来的版本，下次定时运行时重试" >&2
    exit 1
fi
status=0
# shellcheck disable=SC2086
$swap_rsh "$host" swap || status=$?
case $status in
    0 | 1) # the host answered: served (0) or refused (1, its reason above)
        printf '%s\n' "$now" >"$state.new"
        mv "$state.new" "$state"
        ;;
esac
case $status in
    0) echo "已推送：$(basename "$now")" ;;
    1)
        echo "$host 拒绝上线这个版本（原因见上）：公开网站保持原来的版本；服务发布下一个版本时再推送" >&2
        exit 1
        ;;
    3)
        echo "$host 本次未能核验这个版本（另一次上线正在进行或主机出错，原因见上）：公开网站保持原来的版本，下次定时运行时重试" >&2
        exit 1
        ;;
    *)
        echo "无法在 $host 上运行上线命令（状态 $status），本次未上线：公开网站保持原来的版本，下次定时运行时重试" >&2
        exit 1
        ;;
esac
