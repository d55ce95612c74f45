#!/bin/bash
mkdir -p "${OUT:-/tmp/xdo}"
# Type into the real window under Xvfb with xdotool (issue 13): a meeting with a date typed "5/3/25".
set -u
export DANVAN_DATA_DIR=${OUT:-/tmp/xdo}/data DISPLAY=:77
cd "$(dirname "$0")/.."
Xvfb :77 -screen 0 1366x768x24 >${OUT:-/tmp/xdo}/xvfb.log 2>&1 & XPID=$!
sleep 2
PYTHONPATH=$PWD ${PYTHON:-.venv/bin/python} -m danvan_desktop --demo >${OUT:-/tmp/xdo}/app.log 2>&1 & APID=$!
for i in $(seq 1 90); do xdotool search --name "Dân vận – " >/dev/null 2>&1 && break; sleep 1; done
sleep 3
shot() { QT_QPA_PLATFORM=xcb ${PYTHON:-.venv/bin/python} scripts/grab_screen.py ${OUT:-/tmp/xdo}/$1.png; }
shot 0-opened
xdotool mousemove 60 103 click 1; sleep 2       # "Hội nghị" in the navigation
xdotool key ctrl+n; sleep 2
shot 1-form
xdotool key t Tab; sleep 0.3
xdotool type --delay 60 "Tiep xuc cu tri (xdotool 2)"; xdotool key Tab; sleep 0.3
xdotool type --delay 120 "5/3/25"; sleep 0.5
shot 2-date-typed
xdotool key Tab; sleep 0.5
xdotool key Tab Tab Tab Tab; xdotool type --delay 80 "120"; sleep 0.5
shot 3-before-save
xdotool key ctrl+Return; sleep 4
shot 4-after-save
kill $APID; sleep 2; kill -9 $APID 2>/dev/null; kill $XPID
sqlite3 ${OUT:-/tmp/xdo}/data/demo/danvan-demo.db "select title, date, participants, kind from meeting where title like '%xdotool%'" 2>/dev/null || \
 ${PYTHON:-.venv/bin/python} -c "import sqlite3;print(sqlite3.connect('${OUT:-/tmp/xdo}/data/demo/danvan-demo.db').execute(\"select title,date,participants,kind from meeting where title like '%xdotool%'\").fetchall())"
