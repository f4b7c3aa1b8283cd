#[cfg(feature = "test-util")]
pub mod standin;
