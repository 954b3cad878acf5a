//! json report (to be written)
