#!/bin/sh
# Load the day's platform export from the inbox (at 16:30, by sunshine-load.timer or cron).
# The export of day D is INBOX/D (a folder) or INBOX/D.zip, D as YYYY-MM-DD in Beijing
# time. When it is missing the load is still attempted, so that the failure is recorded in
# the audit trail and the 17:00 digest sends a warning instead of figures built on stale
# data. A loaded export moves to INBOX/loaded/.
set -eu
: "${SUNSHINE_HOME:?the project checkout, e.g. /opt/sunshine}"
: "${SUNSHINE_INBOX:?the inbox folder, e.g. /srv/sunshine/inbox}"
python="${SUNSHINE_PYTHON:-$SUNSHINE_HOME/.venv/bin/python}"
day="${1:-$(TZ=Asia/Shanghai date +%F)}"
found="$SUNSHINE_INBOX/$day"
if [ ! -e "$found" ] && [ -e "$found.zip" ]; then
    found="$found.zip"
fi
cd "$SUNSHINE_HOME"
"$python" -m etl load "$found" --quiet
mkdir -p "$SUNSHINE_INBOX/loaded"
mv "$found" "$SUNSHINE_INBOX/loaded/"
