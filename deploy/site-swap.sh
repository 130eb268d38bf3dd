#!/bin/sh
# On the public host: verify a new version of the site, then make it the one served
# (docs/deploy.md, "Each new site version"). Usage:
#
#     site-swap.sh INCOMING_DIR
#
# INCOMING_DIR is a complete built site (rsync'd by the office, or fetched by the host), on the
# same file system as the site. A copy of it is served only if
#   1. the single-file verifier, a copy the host keeps (never the one inside the new site),
#      accepts it with the office's pinned public keys, and
#   2. its log is not shorter than the one served now (no rollback to an older version).
# Then the copy is placed beside the served build and the site path, a symbolic link, is replaced in
# one rename(2): nginx serves the old version or the new one, never a mix. The build served
# before stays (a request reading it can finish); older ones are removed.
#
# Settings (environment): LOTTERY_SITE (default /srv/lottery/site, the nginx root),
# LOTTERY_SITE_KEYS (default /etc/lottery/office.vkey: the office's vkeys, one a line),
# LOTTERY_VERIFIER (default /opt/lottery/lottery-verify.pyz), PYTHON (default python3, 3.11+).
# Exit status (site-push.sh and site-pull.sh act on it, docs/deploy.md):
#   0 served;
#   1 refused: the new version was checked and is not served (the verifier found a fault, or
#     its log is shorter); nothing changed, and trying the same version again is pointless;
#   2 wrong use;
#   3 not checked: another swap is running, or something failed on the host (a full disk, an
#     unreadable key file, a verifier that could not run or said so with its own exit 3);
#     nothing changed, try again later.
set -eu

# Any unplanned stop (set -e) is exit 3, never 1: a failure on the host is not a refusal.
answered=false
candidate=""
on_exit() {
    status=$?
    if [ "$answered" = false ] && [ "$status" -ne 0 ]; then
        if [ -n "$candidate" ]; then rm -rf "$candidate"; fi
        echo "上线过程出错（状态 $status），本次未上线：当前网站保持不变，稍后重试" >&2
        exit 3
    fi
}
trap on_exit EXIT
done_with() { # exit with status $1, as decided (not an unplanned stop)
    answered=true
    exit "$1"
}

site=${LOTTERY_SITE:-/srv/lottery/site}
keys=${LOTTERY_SITE_KEYS:-/etc/lottery/office.vkey}
verifier=${LOTTERY_VERIFIER:-/opt/lottery/lottery-verify.pyz}
python=${PYTHON:-python3}

if [ $# -ne 1 ] || [ ! -d "$1" ]; then
    echo "用法：site-swap.sh 新版本网站目录" >&2
    done_with 2
fi
if [ ! -r "$keys" ]; then
    echo "无法读取本单位公钥文件 $keys，本次未上线：当前网站保持不变" >&2
    done_with 3
fi
incoming=$(cd "$1" && pwd -P)
builds="$site.builds"
mkdir -p "$builds"
# One run at a time (a push and a timer may meet).
exec 9>"$builds/.lock"
if ! flock -n 9; then
    echo "另一次上线正在进行，本次未上线：稍后重试" >&2
    done_with 3
fi

size_of() { # the log size in a site's checkpoint (its second line), 0 if there is none
    if [ -f "$1/export/checkpoint" ]; then sed -n 2p "$1/export/checkpoint"; else echo 0; fi
}

# What is checked is what will be served: a hard-linked copy of the incoming folder (cheap,
# and the incoming folder stays as the base of the next rsync, which replaces files by rename
# and so never changes a served file; never push with rsync --inplace).
name="$(date -u +%Y%m%dT%H%M%SZ)-$$"
candidate="$builds/$name.partial"
rm -rf "$candidate"
cp -al "$incoming" "$candidate"
refuse() {
    rm -rf "$candidate"
    echo "$1" >&2
    done_with 1
}

verdict=0
"$python" "$verifier" "$candidate" --key "$keys" --lang zh || verdict=$?
case $verdict in
    0) ;;
    1 | 2) refuse "新版本未通过核验，未上线：当前网站保持不变" ;; # a fault, or not a site at all
    *) # 3: the verifier could not run to the end (docs/verifier.md: a fork or I/O failure, no
       # memory, a Python too old); anything else: it did not run (no interpreter, killed)
        rm -rf "$candidate"
        echo "核验程序未能运行（状态 $verdict），本次未上线：当前网站保持不变，稍后重试" >&2
        done_with 3
        ;;
esac
new_size=$(size_of "$candidate")
old_size=0
if [ -e "$site" ]; then old_size=$(size_of "$site"); fi
case "$new_size$old_size" in *[!0-9]*|"") refuse "检查点格式不对，未上线" ;; esac
if [ "$new_size" -lt "$old_size" ]; then
    refuse "新版本的日志（$new_size 条）比当前网站（$old_size 条）短，未上线：当前网站保持不变"
fi

name="$name-$new_size"
mv "$candidate" "$builds/$name"
previous=""
if [ -L "$site" ]; then
    previous=$(basename "$(readlink "$site")")
elif [ -d "$site" ]; then # a site placed by hand: kept as the previous build, once
    previous="hand-placed"
    mv "$site" "$builds/$previous"
fi
ln -s "$(basename "$builds")/$name" "$site.new.$$"
mv -T "$site.new.$$" "$site"
answered=true # served: what follows is housekeeping

# Keep the new build and the one before it; remove the rest.
for build in "$builds"/*; do
    case "$(basename "$build")" in
        "$name"|"$previous") ;;
        *) rm -rf "$build" || echo "警告：未能删除旧版本 $build" >&2 ;;
    esac
done
echo "已上线：$name（日志 $new_size 条）"
