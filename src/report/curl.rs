//! curl report (to be written)
