//! A helper that does nothing, for unit tests whose blocks need a call.

use ir::Helper;

unsafe extern "C" fn nothing(_: *mut u8, _: u64, _: u64, _: u64) -> u64 {
    0
}

/// Returns 0 and changes nothing.
pub static NOTHING: Helper = Helper {
    name: "nothing",
    func: nothing,
};
