//! junit report (to be written)
