//! describe-groups' output, as Kafka 4.4's `kafka-consumer-groups.sh --describe` and `--list` print it: each group's
//! table after an empty line, columns as wide as their widest value (15 at least), `-` where a value is missing.
//! Pure: the views come from `usecase::describe`.

use std::io::{self, Write};

use crate::usecase::describe::{GroupView, Listed};
use crate::TopicPartition;

const MISSING: &str = "-";

fn or_missing<T: ToString>(value: Option<T>) -> String {
    value.map_or_else(|| MISSING.to_string(), |v| v.to_string())
}

/// What Kafka's tool says of a group before its table, and whether the table follows (`rows`: the lines it would
/// have). The message is for stderr; a group that does not exist is an error.
pub fn state_message(view: &GroupView, rows: usize) -> (Option<String>, bool) {
    let group = &view.group;
    let message = match view.described.state.as_str() {
        "Dead" => Some(format!("Error: Consumer group '{group}' does not exist.")),
        "Empty" => Some(format!("Consumer group '{group}' has no active members.")),
        "PreparingRebalance" | "CompletingRebalance" | "Assigning" | "Reconciling" => {
            Some(format!("Warning: Consumer group '{group}' is rebalancing."))
        }
        _ => None,
    };
    (message, view.described.state != "Dead" && rows > 0)
}

/// The offsets view (`--describe`, `--offsets`).
pub fn write_offsets(out: &mut dyn Write, view: &GroupView) -> io::Result<()> {
    let width = |values: &mut dyn Iterator<Item = usize>| values.max().unwrap_or(0).max(15);
    let member = |i: usize| {
        move |r: &crate::usecase::describe::OffsetRow| match &r.member {
            Some(m) => [m.0.as_str(), m.1.as_str(), m.2.as_str()][i].to_string(),
            None => MISSING.to_string(),
        }
    };
    let g = width(&mut view.rows.iter().map(|_| view.group.len()));
    let t = width(&mut view.rows.iter().map(|r| r.partition.topic.len()));
    let c = width(&mut view.rows.iter().map(|r| member(0)(r).len()));
    let h = width(&mut view.rows.iter().map(|r| member(1)(r).len()));
    let line = |out: &mut dyn Write, cells: [&str; 9]| -> io::Result<()> {
        let [group, topic, partition, current, end, lag, consumer, host, client] = cells;
        write!(out, "\n{group:<g$} {topic:<t$} {partition:<10} {current:<15} {end:<15} {lag:<15} {consumer:<c$} {host:<h$} {client}")
    };
    let header =
        ["GROUP", "TOPIC", "PARTITION", "CURRENT-OFFSET", "LOG-END-OFFSET", "LAG", "CONSUMER-ID", "HOST", "CLIENT-ID"];
    line(out, header)?;
    for row in &view.rows {
        let (partition, current, end, lag) =
            (row.partition.partition.to_string(), or_missing(row.offset), or_missing(row.log_end), or_missing(row.lag));
        let (consumer, host, client) = (member(0)(row), member(1)(row), member(2)(row));
        line(out, [&view.group, &row.partition.topic, &partition, &current, &end, &lag, &consumer, &host, &client])?;
    }
    writeln!(out)
}

/// `topic:0,1;other:2`, topics sorted, partitions sorted: Kafka's assignment column.
fn assignment(partitions: &[TopicPartition]) -> String {
    if partitions.is_empty() {
        return MISSING.to_string();
    }
    let mut by_topic: std::collections::BTreeMap<&str, Vec<i32>> = std::collections::BTreeMap::new();
    for tp in partitions {
        by_topic.entry(&tp.topic).or_default().push(tp.partition);
    }
    by_topic
        .into_iter()
        .map(|(topic, mut ps)| {
            ps.sort();
            let ps: Vec<String> = ps.iter().map(i32::to_string).collect();
            format!("{topic}:{}", ps.join(","))
        })
        .collect::<Vec<_>>()
        .join(";")
}

/// The members view (`--members`, `--verbose` adds the KIP-848 epochs and assignments). Kafka prints the header
/// even for a group without members.
pub fn write_members(out: &mut dyn Write, view: &GroupView, verbose: bool) -> io::Result<()> {
    let members = &view.described.members;
    let width = |min: usize, values: &mut dyn Iterator<Item = usize>| values.max().unwrap_or(0).max(min);
    let g = width(15, &mut members.iter().map(|_| view.group.len()));
    let c = width(15, &mut members.iter().map(|m| m.member_id.len()));
    let i = width(17, &mut members.iter().map(|m| m.instance_id.as_deref().unwrap_or("").len()));
    let h = width(15, &mut members.iter().map(|m| m.host.len()));
    let l = width(15, &mut members.iter().map(|m| m.client_id.len()));
    let current = |m: &crate::client::groups::Member| assignment(&m.assignment);
    let target =
        |m: &crate::client::groups::Member| m.target.as_ref().map_or(MISSING.to_string(), |t| assignment(&t.1));
    let a = width(20, &mut members.iter().map(|m| current(m).len()));
    let b = width(20, &mut members.iter().map(|m| target(m).len()));
    let instances = members.iter().any(|m| m.instance_id.as_deref().is_some_and(|i| !i.is_empty()));
    let line = |out: &mut dyn Write, cells: [&str; 6]| -> io::Result<()> {
        let [group, consumer, instance, host, client, count] = cells;
        if instances {
            write!(out, "{group:<g$} {consumer:<c$} {instance:<i$} {host:<h$} {client:<l$} {count:<15} ")
        } else {
            write!(out, "{group:<g$} {consumer:<c$} {host:<h$} {client:<l$} {count:<15} ")
        }
    };
    writeln!(out)?;
    line(out, ["GROUP", "CONSUMER-ID", "GROUP-INSTANCE-ID", "HOST", "CLIENT-ID", "#PARTITIONS"])?;
    if verbose {
        write!(
            out,
            "{:<15} {:<a$} {:<15} {:<b$}",
            "CURRENT-EPOCH", "CURRENT-ASSIGNMENT", "TARGET-EPOCH", "TARGET-ASSIGNMENT"
        )?;
    }
    writeln!(out)?;
    for m in members {
        let count = m.assignment.len().to_string();
        let instance = m.instance_id.clone().unwrap_or_default();
        line(out, [&view.group, &m.member_id, &instance, &m.host, &m.client_id, &count])?;
        if verbose {
            let epoch = or_missing(m.epoch);
            let target_epoch = or_missing(m.target.as_ref().map(|t| t.0));
            write!(out, "{epoch:<15} {:<a$} {target_epoch:<15} {:<b$}", current(m), target(m))?;
        }
        writeln!(out)?;
    }
    Ok(())
}

/// The state view (`--state`; `--verbose` adds the group's epochs).
pub fn write_state(out: &mut dyn Write, view: &GroupView, verbose: bool) -> io::Result<()> {
    let d = &view.described;
    let coordinator = format!("{}:{}  ({})", d.coordinator.host, d.coordinator.port, or_missing(view.coordinator_id));
    let c = coordinator.len().max(25);
    let g = view.group.len().max(15);
    let strategy = if d.assignor.is_empty() { MISSING } else { d.assignor.as_str() };
    let members = d.members.len().to_string();
    if verbose {
        let (epoch, target) = (or_missing(d.group_epoch), or_missing(d.assignment_epoch));
        let cells = [
            [
                "GROUP",
                "COORDINATOR (ID)",
                "ASSIGNMENT-STRATEGY",
                "STATE",
                "GROUP-EPOCH",
                "TARGET-ASSIGNMENT-EPOCH",
                "#MEMBERS",
            ],
            [&view.group, &coordinator, strategy, &d.state, &epoch, &target, &members],
        ];
        for [group, coord, strat, state, ge, te, count] in cells {
            write!(out, "\n{group:<g$} {coord:<c$} {strat:<20} {state:<20} {ge:<15} {te:<25} {count}")?;
        }
    } else {
        let cells = [
            ["GROUP", "COORDINATOR (ID)", "ASSIGNMENT-STRATEGY", "STATE", "#MEMBERS"],
            [&view.group, &coordinator, strategy, &d.state, &members],
        ];
        for [group, coord, strat, state, count] in cells {
            write!(out, "\n{group:<g$} {coord:<c$} {strat:<20} {state:<20} {count}")?;
        }
    }
    writeln!(out)
}

/// The offsets view as CSV (a header, then one line per row).
pub fn write_offsets_csv(out: &mut dyn Write, views: &[GroupView]) -> io::Result<()> {
    let mut csv = csv::Writer::from_writer(&mut *out);
    let header =
        ["group", "topic", "partition", "current_offset", "log_end_offset", "lag", "consumer_id", "host", "client_id"];
    csv.write_record(header).map_err(io::Error::other)?;
    for view in views {
        for row in &view.rows {
            let member = row.member.clone().unwrap_or_default();
            let number = |v: Option<i64>| v.map_or(String::new(), |v| v.to_string());
            csv.write_record([
                view.group.as_str(),
                &row.partition.topic,
                &row.partition.partition.to_string(),
                &number(row.offset),
                &number(row.log_end),
                &number(row.lag),
                &member.0,
                &member.1,
                &member.2,
            ])
            .map_err(io::Error::other)?;
        }
    }
    csv.flush()
}

/// The offsets view as JSON: one object per group, with its state, members' count and rows (null where missing).
pub fn write_offsets_json(out: &mut dyn Write, views: &[GroupView]) -> io::Result<()> {
    let groups: Vec<serde_json::Value> = views
        .iter()
        .map(|view| {
            let rows: Vec<serde_json::Value> = view
                .rows
                .iter()
                .map(|row| {
                    let member = row.member.as_ref();
                    serde_json::json!({
                        "topic": &*row.partition.topic, "partition": row.partition.partition,
                        "current_offset": row.offset, "log_end_offset": row.log_end, "lag": row.lag,
                        "consumer_id": member.map(|m| &m.0), "host": member.map(|m| &m.1), "client_id": member.map(|m| &m.2),
                    })
                })
                .collect();
            serde_json::json!({
                "group": view.group, "state": view.described.state, "members": view.described.members.len(),
                "consumer_protocol": view.described.consumer_protocol, "offsets": rows,
            })
        })
        .collect();
    serde_json::to_writer(&mut *out, &groups).map_err(io::Error::other)?;
    writeln!(out)
}

/// `--list`: the group ids, or with `--type` / `--state` Kafka's columns (GROUP as wide as the longest id, 15 at
/// least, plus 10).
pub fn write_list(out: &mut dyn Write, listed: &[Listed], with_type: bool, with_state: bool) -> io::Result<()> {
    if !with_type && !with_state {
        for l in listed {
            writeln!(out, "{}", l.group)?;
        }
        return Ok(());
    }
    let g = listed.iter().map(|l| l.group.len().max(15)).max().unwrap_or(15) + 10;
    let capitalized = |kind: &str| {
        let mut chars = kind.chars();
        chars.next().map_or("Unknown".to_string(), |c| c.to_uppercase().collect::<String>() + chars.as_str())
    };
    let line = |out: &mut dyn Write, group: &str, kind: &str, state: &str| -> io::Result<()> {
        write!(out, "{group:<g$}")?;
        if with_type {
            write!(out, " {kind:<20}")?;
        }
        if with_state {
            write!(out, " {state:<20}")?;
        }
        writeln!(out)
    };
    line(out, "GROUP", "TYPE", "STATE")?;
    for l in listed {
        let state = if l.state.is_empty() { "Unknown" } else { l.state.as_str() };
        line(out, &l.group, &capitalized(&l.kind), state)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests;
