#!/bin/bash
# run.sh NAME "P0MODE [args]" "P1MODE" "gen opts" "curl args..."  -> logs in runs/NAME/
cd /work/research/upstream-extproc
NAME=$1; M0=$2; M1=$3; GOPTS=$4; shift 4
D=runs/$NAME; rm -rf $D; mkdir -p $D
ENVOY=~/.cache/tollgate/envoy-1.40.0/envoy/_bin/envoy
python3 gen.py $D/envoy.json $GOPTS alog=$PWD/$D/access.jsonl ulog=$PWD/$D/upstream.jsonl
$ENVOY --mode validate -c $D/envoy.json > $D/validate.txt 2>&1 || { tail -3 $D/validate.txt; exit 1; }
PIDS=()
[ "$M0" != "none" ] && { python3 fake.py 18001 $M0 > $D/fake0.log 2>&1 & PIDS+=($!); }
[ "$M1" != "none" ] && { python3 fake.py 18002 $M1 > $D/fake1.log 2>&1 & PIDS+=($!); }
for port in 18001 18002; do for i in $(seq 30); do (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null && break; sleep 0.1; done; done
$ENVOY -c $D/envoy.json --base-id 7 -l ${ELOG:-warning} --component-log-level ${ECOMP:-ext_proc:debug,router:debug} > $D/envoy.log 2>&1 & EPID=$!
for i in $(seq 50); do curl -s -o /dev/null 127.0.0.1:19901/ready && break; sleep 0.1; done
sleep 0.3
START=$(wc -l < probe.log)
T0=$(date +%s%N)
curl -sS -N -i "$@" http://127.0.0.1:10000/v1/chat > $D/client.txt 2>&1; echo "curl_exit=$?" >> $D/client.txt
T1=$(date +%s%N); echo "elapsed_ms=$(( (T1-T0)/1000000 ))" >> $D/client.txt
sleep 0.7
tail -n +$((START+1)) probe.log > $D/probe.log
curl -s 127.0.0.1:19901/stats | grep -E "rule1\.(upstream_rq_retry|upstream_rq_[0-9]|upstream_rq_per_try|upstream_rq_total|upstream_cx_connect_fail|upstream_rq_rx_reset|retry_or_shadow)|ext_proc" | grep -v ": 0$" > $D/stats.txt
kill $EPID; for p in "${PIDS[@]}"; do kill $p; done; wait 2>/dev/null
echo "=== $NAME"; echo "--- client"; cat $D/client.txt; echo "--- probe"; cat $D/probe.log; echo "--- fakes"; cat $D/fake*.log 2>/dev/null; echo "--- access"; cat $D/access.jsonl; echo "--- upstream_log"; cat $D/upstream.jsonl; echo "--- stats"; cat $D/stats.txt
