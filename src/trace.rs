//! `-d` lines (being written).
