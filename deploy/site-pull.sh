#!/bin/sh
# On the public host: pull the site the intranet service built last, then verify it and
# serve it (docs/deploy.md §3.2). Run every minute by a systemd timer as the user `sitepub`.
# Usage:
#
#     site-pull.sh
#
# 1. rsync brings `incoming/next/` up to date from the intranet server over SSH (the server's
#    key for this host restricts it to `rrsync -ro /srv/lottery/site`): only what changed;
#    withdrawn files are deleted; never --inplace (the served version is hard links of these
#    files, so each must be replaced by rename, which rsync does by default).
# 2. If nothing changed since the last run (rsync itemized no change, and the last run did not
#    fail before its swap), nothing else is done: exit 0.
# 3. Otherwise deploy/site-swap.sh (installed as lottery-site-swap) verifies the copy and
#    switches to it in one rename, or refuses it and keeps the old version served. A refused
#    version is not checked again (each check verifies the whole log) until the intranet has a
#    new one. A failed transfer, or a swap that did not check the copy (exit 3: another swap
#    running, a failure on the host), leaves a mark (`next.pending`) so that the next run
#    swaps even if it finds nothing more to copy. A copy that mixes two versions (the service published
#    during the pull) does not verify; the next pull completes it and swaps.
#
# Settings (environment):
#   LOTTERY_PULL_FROM  the intranet's rsync source, e.g. sitepush@lottery.intranet.example:/
#                      (required)
#   LOTTERY_PULL_RSH   rsync's remote shell (default: ssh -i $HOME/.ssh/pull)
#   LOTTERY_INCOMING   the copy that is pulled and verified (default /srv/lottery/incoming/next;
#                      on the same file system as the served site)
#   LOTTERY_SITE_SWAP  the swap command (default /usr/local/bin/lottery-site-swap); it reads
#                      LOTTERY_SITE, LOTTERY_SITE_KEYS, LOTTERY_VERIFIER and PYTHON itself
#   RSYNC              the rsync command (default rsync)
# Exit status: 0 served, or nothing new; 1 not pulled or refused (the old version stays
# served; the reason on stderr); 2 wrong use.
set -eu

from=${LOTTERY_PULL_FROM:-}
pull_rsh=${LOTTERY_PULL_RSH:-ssh -i ${HOME:-/nonexistent}/.ssh/pull}
incoming=${LOTTERY_INCOMING:-/srv/lottery/incoming/next}
swap=${LOTTERY_SITE_SWAP:-/usr/local/bin/lottery-site-swap}
rsync=${RSYNC:-rsync}

if [ $# -ne 0 ] || [ -z "$from" ]; then
    echo "用法：LOTTERY_PULL_FROM=用户@内网服务器:/ site-pull.sh（其余设置见脚本开头）" >&2
    exit 2
fi
mkdir -p "$incoming"
pending="$incoming.pending"

# One run at a time (a slow pull and the next timer tick may meet).
exec 9>"$incoming.lock"
if ! flock -n 9; then
    echo "上一次拉取仍在进行，本次跳过"
    exit 0
fi

# A pull that fails leaves this mark, so the next run swaps even if it finds nothing new to copy.
retry=false
if [ -e "$pending" ]; then retry=true; fi
touch "$pending"
# --itemize-changes: one line per file created, changed or deleted; none when the copy is
# already the intranet's version. $pull_rsh is a command and its options (split on purpose).
if ! changes=$("$rsync" -a --delete --chmod=D755,F644 --itemize-changes -e "$pull_rsh" \
    "${from%/}/" "$incoming/"); then
    echo "从 $from 拉取失败，本次未上线：公开网站保持原来的版本，下次定时运行时重试" >&2
    exit 1
fi
if [ -z "$changes" ] && [ "$retry" = false ]; then
    rm -f "$pending"
    exit 0 # the version already served, or refused before: nothing new to check
fi
status=0
"$swap" "$incoming" || status=$?
case $status in
    0 | 1) rm -f "$pending" ;; # answered: served, or refused until the intranet has a new version
esac
case $status in
    0) ;;
    1)
        echo "新版本没有上线（原因见上）：公开网站保持原来的版本；内网发布下一个版本时再试" >&2
        exit 1
        ;;
    *)
        echo "新版本本次未能核验（状态 $status，原因见上）：公开网站保持原来的版本，下次定时运行时重试" >&2
        exit 1
        ;;
esac
