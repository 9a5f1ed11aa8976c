//! A64 base (integer, branch, system, load/store of general registers) decode table.

crate::decode_table! {
    /// A64 base instructions.
    A64Base, A64_BASE,
    AddImm = "add", "s00 100010 h iiiiiiiiiiii nnnnn ddddd", DpImm;
}
