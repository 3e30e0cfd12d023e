#!/usr/bin/env bash
# BUGGY black-box "cache clean" cron job: empties both buckets with one
# `rm -rf` and takes no lock, as if nothing could be using the cache at
# 3 a.m. Readers and installers that are running lose their archives.
# Expected verdict: no-in-use-removal or no-dangling-reference (scenarios/bb-cron-clean.toml).
#
# Usage: buggy_cron_clean.sh CACHE_DIR
set -u
cache=${1:?usage: buggy_cron_clean.sh CACHE_DIR}
[[ -d $cache/archive-v0 && -d $cache/wheels-v6 ]] || exit 2
rm -rf -- "$cache"/archive-v0/* "$cache"/wheels-v6/*    # the bug: no lock
exit 0
