//! /proc/pid/maps.

use crate::trace::Mapping;

/// Parse the text of /proc/pid/maps.
pub fn parse(text: &str) -> Vec<Mapping> {
    text.lines().filter_map(parse_line).collect()
}

fn parse_line(line: &str) -> Option<Mapping> {
    let mut it = line.splitn(6, ' ');
    let range = it.next()?;
    let perms = it.next()?.to_string();
    let offset = u64::from_str_radix(it.next()?, 16).ok()?;
    let _dev = it.next()?;
    let _inode = it.next()?;
    let name = it.next().unwrap_or("").trim().to_string();
    let (s, e) = range.split_once('-')?;
    Some(Mapping {
        start: u64::from_str_radix(s, 16).ok()?,
        end: u64::from_str_radix(e, 16).ok()?,
        perms,
        offset,
        name,
    })
}

/// Read and parse /proc/`pid`/maps.
pub fn read(pid: i32) -> std::io::Result<Vec<Mapping>> {
    Ok(parse(&std::fs::read_to_string(format!(
        "/proc/{pid}/maps"
    ))?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_maps_lines() {
        let m = parse(
            "555555554000-555555556000 r--p 00000000 fe:01 1234                       /usr/bin/true\n\
             7ffff7fc1000-7ffff7fc5000 r--p 00000000 00:00 0                          [vvar]\n\
             7ffff7ff0000-7ffff7ff1000 rw-p 00000000 00:00 0 \n",
        );
        assert_eq!(m.len(), 3);
        assert_eq!(m[0].start, 0x555555554000);
        assert_eq!(m[0].name, "/usr/bin/true");
        assert_eq!(m[1].name, "[vvar]");
        assert_eq!(m[2].name, "");
        assert_eq!(m[2].perms, "rw-p");
    }
}
