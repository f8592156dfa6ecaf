//! Units of the limits in the configuration and in `SET`: durations as PostgreSQL writes
//! them (`300`, `250ms`, `10s`, `5min`, `1h`, `1d`; a bare number is milliseconds) and
//! sizes (`512MiB`, `2GB`, `65536`).

use std::time::Duration;

/// Parse a PostgreSQL-style duration; `0` means "no limit" (`None`). Anything that is not
/// a non-negative number with a known unit is an error, never a silent 0.
pub fn parse_duration(text: &str) -> Result<Option<Duration>, String> {
    let t = text.trim().trim_matches(|c| c == '\'' || c == '"').trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let unit = unit.trim().to_ascii_lowercase();
    let n: f64 = num.parse().map_err(|_| {
        format!("invalid duration {text:?}: expected a number with ms, s, min, h or d")
    })?;
    if !n.is_finite() || n < 0.0 {
        return Err(format!("invalid duration {text:?}: must not be negative"));
    }
    let ms_per_unit = match unit.as_str() {
        "" | "ms" => 1.0,
        "s" | "sec" | "secs" | "second" | "seconds" => 1_000.0,
        "min" | "mins" | "minute" | "minutes" => 60_000.0,
        "h" | "hour" | "hours" => 3_600_000.0,
        "d" | "day" | "days" => 86_400_000.0,
        other => {
            return Err(format!(
                "invalid duration {text:?}: unknown unit {other:?} (expected ms, s, min, h or d)"
            ));
        }
    };
    let ms = n * ms_per_unit;
    // PostgreSQL's limit for timeouts: INT_MAX milliseconds (about 24.8 days).
    if ms > i32::MAX as f64 {
        return Err(format!(
            "invalid duration {text:?}: larger than {} ms",
            i32::MAX
        ));
    }
    let ms = ms.round() as u64;
    Ok((ms > 0).then(|| Duration::from_millis(ms)))
}

/// Render a duration as PostgreSQL's `SHOW statement_timeout` does.
pub fn format_duration(d: Option<Duration>) -> String {
    let Some(d) = d else { return "0".into() };
    let ms = d.as_millis();
    if ms % 86_400_000 == 0 {
        format!("{}d", ms / 86_400_000)
    } else if ms % 3_600_000 == 0 {
        format!("{}h", ms / 3_600_000)
    } else if ms % 60_000 == 0 {
        format!("{}min", ms / 60_000)
    } else if ms % 1000 == 0 {
        format!("{}s", ms / 1000)
    } else {
        format!("{ms}ms")
    }
}

/// Parse a size in bytes: a number with an optional unit (B, kB/KB/KiB, MB/MiB, GB/GiB, TB/TiB).
pub fn parse_size(text: &str) -> Result<u64, String> {
    let t = text.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let n: f64 = num
        .parse()
        .map_err(|_| format!("invalid size {text:?}: expected a number with B, KiB, MiB, GiB"))?;
    let mult: f64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1.0,
        "kb" | "k" => 1e3,
        "kib" => 1024.0,
        "mb" | "m" => 1e6,
        "mib" => 1024.0 * 1024.0,
        "gb" | "g" => 1e9,
        "gib" => 1024.0 * 1024.0 * 1024.0,
        "tb" => 1e12,
        "tib" => 1024.0f64.powi(4),
        other => return Err(format!("invalid size {text:?}: unknown unit {other:?}")),
    };
    let bytes = n * mult;
    if !bytes.is_finite() || bytes < 0.0 || bytes > u64::MAX as f64 {
        return Err(format!("invalid size {text:?}"));
    }
    Ok(bytes as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_parse_as_postgresql_does() {
        let ms = |s: &str| parse_duration(s).unwrap().map(|d| d.as_millis());
        assert_eq!(ms("0"), None);
        assert_eq!(ms("1500"), Some(1500));
        assert_eq!(ms("'3s'"), Some(3000));
        assert_eq!(ms("1h"), Some(3_600_000));
        assert_eq!(ms("5min"), Some(300_000));
        assert_eq!(ms("250ms"), Some(250));
        assert_eq!(ms("2 d"), Some(172_800_000));
        assert!(parse_duration("soon").is_err());
        assert!(parse_duration("3 fortnights").is_err());
        assert!(parse_duration("-1s").is_err());
        assert!(parse_duration("100d").is_err());
        assert_eq!(format_duration(Some(Duration::from_secs(3600))), "1h");
        assert_eq!(format_duration(Some(Duration::from_millis(1500))), "1500ms");
        assert_eq!(format_duration(None), "0");
    }

    #[test]
    fn sizes_parse() {
        assert_eq!(parse_size("512MiB").unwrap(), 512 * 1024 * 1024);
        assert_eq!(parse_size("2GB").unwrap(), 2_000_000_000);
        assert_eq!(parse_size("65536").unwrap(), 65536);
        assert!(parse_size("lots").is_err());
    }
}
