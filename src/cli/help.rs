//! Usage text and version line (being written).

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tool {
    Pub,
    Sub,
}

pub fn usage_text(_tool: Tool, _prog: &str) -> String {
    String::new()
}

pub fn version_line(prog: &str) -> String {
    format!("{prog} version {}", env!("CARGO_PKG_VERSION"))
}
