//! Which program is running: rpub, rsub or rrr. Everything that differs between the
//! tools by name (the mosquitto program replaced, the options files, which flags exist) asks a
//! [`Tool`]; rows of tables say which tools they apply to with a [`Tools`] set, so a new tool is a new
//! value here rather than a new branch in every match.

/// One of the programs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Tool {
    /// `rpub`, replacing `mosquitto_pub`.
    Pub,
    /// `rsub`, replacing `mosquitto_sub`.
    Sub,
    /// `rrr`, replacing `mosquitto_rr` (MQTT 5 request/response).
    Rr,
}

impl Tool {
    /// Every tool, in the order the documentation lists them.
    pub const ALL: [Tool; 3] = [Tool::Pub, Tool::Sub, Tool::Rr];

    /// Our program's name (the default when argv[0] is unusable).
    pub fn name(self) -> &'static str {
        match self {
            Tool::Pub => "rpub",
            Tool::Sub => "rsub",
            Tool::Rr => "rrr",
        }
    }

    /// The mosquitto client this tool replaces.
    pub fn mosquitto_name(self) -> &'static str {
        match self {
            Tool::Pub => "mosquitto_pub",
            Tool::Sub => "mosquitto_sub",
            Tool::Rr => "mosquitto_rr",
        }
    }

    /// The tool's bit in a [`Tools`] set.
    const fn bit(self) -> u8 {
        match self {
            Tool::Pub => 1,
            Tool::Sub => 2,
            Tool::Rr => 4,
        }
    }
}

/// A set of tools (which tools accept a flag, for example).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tools(u8);

impl Tools {
    pub const PUB: Tools = Tools(Tool::Pub.bit());
    pub const SUB: Tools = Tools(Tool::Sub.bit());
    pub const RR: Tools = Tools(Tool::Rr.bit());
    /// Every tool (the connection, TLS, MQTT 5 and `-d` options).
    pub const ALL: Tools = Tools(Tool::Pub.bit() | Tool::Sub.bit() | Tool::Rr.bit());

    pub const fn contains(self, tool: Tool) -> bool {
        self.0 & tool.bit() != 0
    }

    /// The union of two sets.
    pub const fn with(self, other: Tools) -> Tools {
        Tools(self.0 | other.0)
    }

    /// The tools in the set, in [`Tool::ALL`] order.
    pub fn iter(self) -> impl Iterator<Item = Tool> {
        Tool::ALL
            .into_iter()
            .filter(move |&tool| self.contains(tool))
    }
}

#[cfg(test)]
mod tests {
    use super::{Tool, Tools};

    #[test]
    fn a_set_contains_exactly_its_tools() {
        assert!(Tools::PUB.contains(Tool::Pub));
        assert!(!Tools::PUB.contains(Tool::Sub));
        assert!(Tools::SUB.contains(Tool::Sub));
        assert!(!Tools::SUB.contains(Tool::Pub));
        for tool in Tool::ALL {
            assert!(Tools::ALL.contains(tool));
        }
        assert!(Tools::RR.contains(Tool::Rr));
        assert!(!Tools::RR.contains(Tool::Pub));
        assert_eq!(Tools::PUB.with(Tools::SUB).with(Tools::RR), Tools::ALL);
        assert_eq!(
            Tools::SUB.with(Tools::RR).iter().collect::<Vec<_>>(),
            [Tool::Sub, Tool::Rr]
        );
        assert_eq!(Tools::SUB.iter().collect::<Vec<_>>(), [Tool::Sub]);
        assert_eq!(Tools::ALL.iter().collect::<Vec<_>>(), Tool::ALL);
    }

    #[test]
    fn every_tool_replaces_a_distinct_mosquitto_client() {
        let mut names: Vec<_> = Tool::ALL.iter().map(|tool| tool.mosquitto_name()).collect();
        names.dedup();
        assert_eq!(names.len(), Tool::ALL.len());
        assert_eq!(Tool::Pub.name(), "rpub");
        assert_eq!(Tool::Sub.mosquitto_name(), "mosquitto_sub");
        assert_eq!(Tool::Rr.name(), "rrr");
        assert_eq!(Tool::Rr.mosquitto_name(), "mosquitto_rr");
    }
}
