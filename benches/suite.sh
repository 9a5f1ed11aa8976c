#!/usr/bin/env bash
# The benchmark suite: each workload natively (the x86-64 build of the same C source, or the
# amd64 build of the same Debian package), under qemu-user-static and under armrun, for aarch64
# (qemu-aarch64-static, Debian arm64) and armhf (qemu-arm-static, Debian armhf), timed by
# hyperfine in one run per workload; then a table of medians, armrun/native and qemu/armrun
# with their spread and geometric means, written to benches/results.md.
# Usage: benches/suite.sh [runs] [arch...]   (default 3 runs, 10 for the C kernels, 30 for the
# start-up rows, aarch64 armhf; the machine should be otherwise idle)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-3}
# The start-up rows take milliseconds: ten times the runs, at least 30. The C kernels take a
# tenth of a second or less: three times the runs, at least 10, so that one slow run on a
# shared machine moves the median less.
startup_runs=$((runs * 10 > 30 ? runs * 10 : 30))
kernel_runs=$((runs * 3 > 10 ? runs * 3 : 10))
shift || true
if [ $# -gt 0 ]; then arches=("$@"); else arches=(aarch64 armhf); fi
bash scripts/deps.sh
cargo build --profile dist -q -p armrun
out=target/bench
mkdir -p "$out"
armrun=target/x86_64-unknown-linux-gnu/dist/armrun
json=()

# Inputs, generated with a fixed seed: text for the compressors and perl, a SQL script, a
# pure-Python program, a perl regex script and a C file for gcc (no #include, so the same
# file compiles for every target).
python3 - "$out" <<'PY'
import random, sys
out = sys.argv[1]
r = random.Random(7)
words = [''.join(r.choice('abcdefghij') for _ in range(r.randint(2, 9))) for _ in range(4000)]
with open(f"{out}/text.txt", "w") as f:
    for i in range(40000):
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
c = ["struct item { int key; double weight; struct item *next; char name[16]; };\n"]
for i in range(30):
    k = r.randint(3, 12)
    c.append(f"""
static int helper{i}(const int *a, int n, int s) {{
    int acc = {r.randint(1, 99)};
    for (int j = 0; j < n; j++) {{
        if ((a[j] ^ s) & {1 << r.randint(0, 7)}) acc += a[j] * {r.randint(2, 9)};
        else acc -= (a[j] >> {r.randint(1, 4)}) + s;
    }}
    return acc;
}}
double fn{i}(struct item *it, int *buf, int n, double x) {{
    double total = 0;
    for (struct item *p = it; p; p = p->next) {{
        switch ((p->key + {i}) % {k}) {{
""")
    for case in range(k):
        c.append(f"        case {case}: total += p->weight * {r.random():.3f}"
                 f" + helper{i}(buf, n, {case}); break;\n")
    tail = f"fn{i - 1}(it, buf, n / 2, x * 0.5)" if i else "0"
    c.append(f"""        default: total -= x;
        }}
        for (int j = 0; j < 16 && p->name[j]; j++) total += p->name[j] * (j + {i % 5});
    }}
    for (int j = 1; j < n; j++) buf[j] = buf[j - 1] * {r.randint(3, 17)} + (int)(total * j);
    return total / (n + 1) + {tail};
}}
""")
with open(f"{out}/gccbench.c", "w") as f:
    f.write("".join(c))
PY
gcc -O2 -o "$out/hello-x86_64" tests/guest/hello.c
# twice CMD...: CMD twice at once; fails if either copy does.
printf '#!/bin/sh\n"$@" & first=$!\n"$@" || exit 1\nwait $first\n' > "$out/twice"
chmod +x "$out/twice"
for prog in intbench fpbench strbench sortbench interpbench hashbench; do
    gcc -O2 -o "$out/$prog-x86_64" "tests/guest/$prog.c" -lm
done

for arch in "${arches[@]}"; do
    case $arch in
        aarch64) deb=arm64 cc=aarch64-linux-gnu-gcc qemu=qemu-aarch64-static triple=aarch64-linux-gnu ;;
        armhf) deb=armhf cc=arm-linux-gnueabihf-gcc qemu=qemu-arm-static triple=arm-linux-gnueabihf ;;
        *) echo "suite.sh: unknown arch $arch (aarch64 or armhf)" >&2; exit 2 ;;
    esac
    root=$(bash scripts/sysroot.sh "$deb" bench)
    mkdir -p "$out/$arch"
    # Byte-compile the sysroot's Python standard library, as python3.11's maintainer scripts
    # (py3compile) do on an installed Debian system, which the sysroot's `dpkg -x` never ran:
    # the host's python3 loads its modules' .pyc files, so without them the ARM one compiled
    # them from source at every start (and a run cannot store them when PYTHONDONTWRITEBYTECODE
    # is set): python3 aarch64 under armrun 312 -> 292 ms. Done by the guest's own python3
    # under armrun, as a foreign chroot's postinst runs under qemu-user-static.
    if [ ! -f "$root/.armrun-pyc" ]; then
        "$armrun" -L "$root" "$root/usr/bin/python3.11" -E -m compileall -q -j 0 -s "$root" -p / \
            -x '/(test|idlelib)/' "$root/usr/lib/python3.11" >/dev/null
        touch "$root/.armrun-pyc"
    fi

    # bench NAME NATIVE-CMD ARM-CMD [RUNS]: ARM-CMD runs under qemu and armrun (with the
    # sysroot), RUNS times each (default: the suite's runs); with `wrap` set, each command
    # runs through that command (`$out/twice`: two copies at once). The runs go in rounds,
    # one hyperfine run of native, qemu and armrun each (the first with a warm-up run): on a
    # shared virtual machine the host's load comes and goes over seconds, and running all of
    # one command's runs before the next gave one command a quiet minute and the next a busy
    # one (the same python3 natively took 70 ms in one run and 105 ms in the next two).
    bench() {
        local w=${wrap:+$wrap } i warm rounds=()
        for ((i = 0; i < ${4:-$runs}; i++)); do
            warm=$((i == 0 ? 1 : 0))
            hyperfine -N --warmup $warm --runs 1 --export-json "$out/$arch/$1.$i.json" \
                -n native "$w$2" -n qemu "$w$qemu -L $root $3" -n armrun "$w$armrun -L $root $3" \
                >/dev/null
            rounds+=("$out/$arch/$1.$i.json")
        done
        python3 benches/report.py --merge "${rounds[@]}" > "$out/$arch/$1.json"
        rm -f "${rounds[@]}"
        json+=("$out/$arch/$1.json")
    }
    # speed NAME ALG: `openssl speed` on 16 KiB buffers for 2 s, `runs` times each; its
    # throughput becomes the time to process 256 MiB, so the row reads like the others.
    speed() {
        local who cmd i
        # In rounds, as `bench` runs its commands.
        for who in native qemu armrun; do : > "$out/$arch/$1.$who.txt"; done
        for ((i = 0; i < runs; i++)); do
            for who in native qemu armrun; do
                case $who in
                    native) cmd=(/usr/bin/openssl) ;;
                    qemu) cmd=("$qemu" -L "$root" "$root/usr/bin/openssl") ;;
                    armrun) cmd=("$armrun" -L "$root" "$root/usr/bin/openssl") ;;
                esac
                "${cmd[@]}" speed -seconds 2 -bytes 16384 -evp "$2" -mr 2>/dev/null \
                    | grep '^+F:' >> "$out/$arch/$1.$who.txt"
            done
        done
        python3 benches/report.py --speed "$out/$arch/$1" > "$out/$arch/$1.json"
        json+=("$out/$arch/$1.json")
    }

    for prog in intbench fpbench strbench sortbench interpbench hashbench; do
        "$cc" -static -O2 -o "$out/$arch/$prog" "tests/guest/$prog.c" -lm
        bench "$prog" "$out/$prog-x86_64" "$out/$arch/$prog" "$kernel_runs"
    done

    # Real Debian packages on the generated input (native: the host's amd64 build).
    bench xz-6 "/usr/bin/xz -6 -T1 -c $out/text.txt" "$root/usr/bin/xz -6 -T1 -c $out/text.txt"
    bench zstd-19 "/usr/bin/zstd -19 -q -c --single-thread $out/text.txt" \
        "$root/usr/bin/zstd -19 -q -c --single-thread --no-asyncio $out/text.txt"
    bench bzip2 "/usr/bin/bzip2 -9 -c $out/text.txt" "$root/bin/bzip2 -9 -c $out/text.txt"
    bench sqlite3 "/usr/bin/sqlite3 :memory: -init $out/bench.sql .quit" \
        "$root/usr/bin/sqlite3 :memory: -init $out/bench.sql .quit"
    bench python3 "/usr/bin/python3.11 $out/bench.py" "$root/usr/bin/python3.11 $out/bench.py"
    bench perl-regex "/usr/bin/perl $out/bench.pl $out/text.txt" \
        "$root/usr/bin/perl $out/bench.pl $out/text.txt"
    speed openssl-sha256 sha256
    speed openssl-aes-gcm aes-128-gcm
    # gcc -O2 is its compiler proper, cc1: the driver would exec cc1 as a child, which qemu
    # runs only through binfmt_misc, and the suite does not register it.
    bench gcc-O2 "/usr/lib/gcc/x86_64-linux-gnu/12/cc1 -quiet -O2 $out/gccbench.c -o /dev/null" \
        "$root/usr/lib/gcc/$triple/12/cc1 -quiet -O2 $out/gccbench.c -o /dev/null"
    # Two at once, as `make -j2` runs compilers on a two-core builder: neither process's
    # compiler thread may take the time the other's guest thread would run in.
    wrap=$out/twice bench gcc-O2-x2 \
        "/usr/lib/gcc/x86_64-linux-gnu/12/cc1 -quiet -O2 $out/gccbench.c -o /dev/null" \
        "$root/usr/lib/gcc/$triple/12/cc1 -quiet -O2 $out/gccbench.c -o /dev/null"

    # Start-up: a static and a dynamic hello.
    "$cc" -static -O2 -o "$out/$arch/hello-static" tests/guest/hello.c
    "$cc" -O2 -o "$out/$arch/hello-dynamic" tests/guest/hello.c
    # A few milliseconds each: enough runs that one scheduling hiccup does not decide the row.
    bench hello-static "$out/hello-x86_64" "$out/$arch/hello-static" "$startup_runs"
    bench hello-dynamic "$out/hello-x86_64" "$out/$arch/hello-dynamic" "$startup_runs"
done

{
    echo "# armrun benchmark results"
    echo
    echo "$(date -u +%Y-%m-%d), commit $(git rev-parse --short HEAD), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores;"
    echo "$runs runs per command ($kernel_runs for the C kernels, $startup_runs for the hellos; hyperfine), in rounds of one run of native, qemu and armrun each; medians; spread from the fastest and slowest runs."
    echo "openssl rows: \`openssl speed -evp ALG\` throughput on 16 KiB buffers as time per 256 MiB."
    echo "Produced by \`benches/suite.sh\`."
    echo
    echo '```'
    python3 benches/report.py "${json[@]}"
    echo '```'
} | tee benches/results.md
