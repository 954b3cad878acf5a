//! terminal report (to be written)
