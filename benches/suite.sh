#!/usr/bin/env bash
# The benchmark suite: each workload natively (the x86-64 build of the same C source, or the
# amd64 build of the same Debian package), under qemu-aarch64-static and under armrun, timed by
# hyperfine in one run per workload; then a table of medians, armrun/native and qemu/armrun
# with their spread and geometric means, written to benches/results.md.
# Usage: benches/suite.sh [runs]   (default 5; the machine should be otherwise idle)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-5}
bash scripts/deps.sh
bash scripts/sysroot.sh arm64 >/dev/null
cargo build --release -q -p armrun
root=.cache/sysroot-arm64
out=target/bench
mkdir -p "$out"
armrun=target/x86_64-unknown-linux-gnu/release/armrun
json=()

# bench NAME NATIVE-CMD ARM-CMD: ARM-CMD runs under qemu and armrun (with the sysroot).
bench() {
    local name=$1 native=$2 arm=$3
    hyperfine -N --warmup 1 --runs "$runs" --export-json "$out/$name.json" \
        -n native "$native" \
        -n qemu "qemu-aarch64-static -L $root $arm" \
        -n armrun "$armrun -L $root $arm" >/dev/null
    json+=("$out/$name.json")
}

for prog in intbench fpbench strbench sortbench interpbench hashbench; do
    gcc -O2 -o "$out/$prog-x86_64" "tests/guest/$prog.c" -lm
    aarch64-linux-gnu-gcc -static -O2 -o "$out/$prog-aarch64" "tests/guest/$prog.c" -lm
    bench "$prog" "$out/$prog-x86_64" "$out/$prog-aarch64"
done

# Real Debian packages on generated input (native: the host's amd64 build).
python3 - "$out" <<'PY'
import random, sys
out = sys.argv[1]
r = random.Random(7)
words = [''.join(r.choice('abcdefghij') for _ in range(r.randint(2, 9))) for _ in range(4000)]
with open(f"{out}/text.txt", "w") as f:
    for i in range(160000):
        f.write(f"{i} {' '.join(r.choice(words) for _ in range(8))} {r.random():.6f}\n")
with open(f"{out}/bench.sql", "w") as f:
    f.write("create table t(id integer primary key, k text, v real);\nbegin;\n")
    for i in range(60000):
        f.write(f"insert into t(k, v) values('{r.choice(words)}', {r.random():.6f});\n")
    f.write("commit;\ncreate index tk on t(k);\n")
    f.write("select k, count(*), round(avg(v), 4) from t group by k order by 2 desc limit 5;\n")
    f.write("select count(*) from t a join t b on a.k = b.k where a.id < 3000 and b.id < 3000;\n")
with open(f"{out}/bench.py", "w") as f:
    f.write("d = {}\nfor i in range(300000):\n    d[i % 1000] = d.get(i % 1000, 0) + i * i % 7\n"
            "s = sorted(str(x) for x in range(100000))\nprint(sum(d.values()), s[-1])\n")
with open(f"{out}/bench.pl", "w") as f:
    f.write("while (<>) { $n++ if /(\\w+)\\s+\\1|ab[cd]{2}e/ } print \"$n\\n\";\n")
PY
head -c 2000000 "$out/text.txt" > "$out/text2m.txt"
bench xz-6 "/usr/bin/xz -6 -T1 -c $out/text.txt" "$root/usr/bin/xz -6 -T1 -c $out/text.txt"
bench zstd-19 "/usr/bin/zstd -19 -q -c --single-thread $out/text2m.txt" \
    "$root/usr/bin/zstd -19 -q -c --single-thread --no-asyncio $out/text2m.txt"
bench bzip2 "/usr/bin/bzip2 -9 -c $out/text.txt" "$root/bin/bzip2 -9 -c $out/text.txt"
bench sqlite3 "/usr/bin/sqlite3 :memory: -init $out/bench.sql .quit" \
    "$root/usr/bin/sqlite3 :memory: -init $out/bench.sql .quit"
bench python3 "/usr/bin/python3.11 $out/bench.py" "$root/usr/bin/python3.11 $out/bench.py"
bench perl-regex "/usr/bin/perl $out/bench.pl $out/text.txt" \
    "$root/usr/bin/perl $out/bench.pl $out/text.txt"

# Start-up: a static and a dynamic hello.
gcc -O2 -o "$out/hello-x86_64" tests/guest/hello.c
aarch64-linux-gnu-gcc -static -O2 -o "$out/hello-static-aarch64" tests/guest/hello.c
aarch64-linux-gnu-gcc -O2 -o "$out/hello-dynamic-aarch64" tests/guest/hello.c
bench hello-static "$out/hello-x86_64" "$out/hello-static-aarch64"
bench hello-dynamic "$out/hello-x86_64" "$out/hello-dynamic-aarch64"

{
    echo "# armrun benchmark results"
    echo
    echo "$(date -u +%Y-%m-%d), commit $(git rev-parse --short HEAD), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores;"
    echo "$runs runs per command (hyperfine), medians; spread from the fastest and slowest runs."
    echo "Produced by \`benches/suite.sh\`."
    echo
    echo '```'
    python3 benches/report.py "${json[@]}"
    echo '```'
} | tee benches/results.md
