//! Timers of the client state machine (being written).
