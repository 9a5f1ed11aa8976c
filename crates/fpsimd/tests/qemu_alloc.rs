//! Allocation cross-check: random data-processing encodings of every `A64_SIMD` row, each with
//! QEMU's verdict (1 = executes, 0 = SIGILL) recorded by `gen/alloc_check.c` under
//! `qemu-aarch64-static -cpu max` (driven by `gen/alloc_record.py`). The executor must never
//! accept a word QEMU rejects; it may reject words QEMU accepts (features not implemented here,
//! e.g. complex FP and BF16, and a few unallocated FP16 encodings QEMU 7.2 over-accepts).

const ALLOC: &str = include_str!("data/qemu_alloc.txt");

#[test]
fn never_executes_an_undefined_encoding() {
    let mut wrong = Vec::new();
    let (mut lines, mut both) = (0, 0);
    for line in ALLOC.lines() {
        let mut it = line.split_whitespace();
        let word = u32::from_str_radix(it.next().expect("word"), 16).expect("hex");
        let qemu_ok = it.next() == Some("1");
        lines += 1;
        let ours = fpsimd::supported(word);
        if ours && !qemu_ok {
            wrong.push(format!("{word:08x}"));
        }
        both += (ours && qemu_ok) as u32;
    }
    assert!(lines > 4000 && both > 1500, "{lines} lines, {both} agreed");
    assert!(
        wrong.is_empty(),
        "supported but undefined on QEMU: {wrong:?}"
    );
}
