#!/usr/bin/env bash
# Runs past the runner's timeout; the process it leaves behind must be gone afterwards.
. lib/inittest
sleep 300 &
echo "background pid $!"
sleep 300
