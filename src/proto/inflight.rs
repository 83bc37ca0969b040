//! Packet-id allocation and the outgoing QoS 1/2 in-flight table (being written).
