#!/bin/sh
# Runs a program that cannot watch its launcher (nats-server) and stops it when the launcher is
# gone. The launcher holds the other end of fd 3 (LIANDONG_LIFELINE_FD): nothing is ever written
# on it, so a read returns only at its end, when the launcher has exited however it did (SIGKILL
# and the out-of-memory killer included). Then the program gets SIGTERM, as on a normal stop.
# Signals sent to this wrapper are passed on; it exits with the program's status.
# Usage: lifeline.sh PROGRAM [ARGS...]
"$@" 3<&- &
child=$!
trap 'kill -TERM "$child" 2>/dev/null' TERM
trap 'kill -INT "$child" 2>/dev/null' INT
trap 'kill -HUP "$child" 2>/dev/null' HUP
# A builtin read, in a subshell of its own: stopped with it, it leaves nothing behind. (An
# explicit redirection: a background list's standard input would be /dev/null.)
(
  while read -r _; do :; done
  kill -TERM "$child" 2>/dev/null
) <&3 &
watcher=$!
exec 3<&-
# `wait` returns early when a trapped signal arrives: wait again until the program is gone.
while :; do
  wait "$child"
  status=$?
  kill -0 "$child" 2>/dev/null || break
done
kill "$watcher" 2>/dev/null
exit "$status"
