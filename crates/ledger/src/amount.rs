//! Amounts: `i64` minor units at rest, decimal strings in the API (`"12.50"` in a currency of
//! scale 2). Parsing is strict — a sign, digits, at most `scale` decimals — so a client never
//! has a transfer rounded behind its back.

use kernel::{Error, Result};

/// The largest amount one transfer may move, in minor units. Balances stay far from `i64`'s
/// range (see `BALANCE_BOUND`), so no sum a transfer makes can overflow.
pub const MAX_AMOUNT: i64 = 1_000_000_000_000_000;

/// No balance, floor or ceiling goes beyond ± this, whatever the limits say.
pub const BALANCE_BOUND: i64 = i64::MAX / 4;

/// The largest number of decimals a currency may have.
pub const MAX_SCALE: u32 = 8;

/// Reads a decimal string as minor units of a currency with `scale` decimals.
pub fn parse(text: &str, scale: u32) -> std::result::Result<i64, String> {
    let text = text.trim();
    let (negative, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text.strip_prefix('+').unwrap_or(text)),
    };
    let (whole, fraction) = match digits.split_once('.') {
        Some((w, f)) => (w, f),
        None => (digits, ""),
    };
    let well_formed = !whole.is_empty()
        && whole.bytes().all(|b| b.is_ascii_digit())
        && fraction.bytes().all(|b| b.is_ascii_digit())
        && !(digits.contains('.') && fraction.is_empty());
    if !well_formed {
        return Err(format!(
            "{text:?} is not a decimal amount (write it like \"12.50\")"
        ));
    }
    let fraction = fraction.trim_end_matches('0');
    if fraction.len() > scale as usize {
        return Err(format!(
            "{text:?} has more than {scale} decimal{}",
            if scale == 1 { "" } else { "s" }
        ));
    }
    let too_large = || format!("{text:?} is too large");
    let whole = whole.trim_start_matches('0');
    if whole.len() > 19 {
        return Err(too_large());
    }
    let whole: i64 = if whole.is_empty() {
        0
    } else {
        whole.parse().map_err(|_| too_large())?
    };
    let unit = 10i64.pow(scale);
    let fraction_units: i64 = if fraction.is_empty() {
        0
    } else {
        fraction.parse::<i64>().map_err(|_| too_large())? * 10i64.pow(scale - fraction.len() as u32)
    };
    let units = whole
        .checked_mul(unit)
        .and_then(|w| w.checked_add(fraction_units))
        .filter(|u| *u <= BALANCE_BOUND)
        .ok_or_else(too_large)?;
    Ok(if negative { -units } else { units })
}

/// Writes minor units as a decimal string with exactly `scale` decimals.
pub fn format(units: i64, scale: u32) -> String {
    let unit = 10u64.pow(scale);
    let sign = if units < 0 { "-" } else { "" };
    let magnitude = units.unsigned_abs();
    if scale == 0 {
        return format!("{sign}{magnitude}");
    }
    format!(
        "{sign}{}.{:0width$}",
        magnitude / unit,
        magnitude % unit,
        width = scale as usize
    )
}

/// An amount a transfer moves: positive, within `MAX_AMOUNT`, at most `scale` decimals.
pub fn parse_transfer_amount(field: &str, text: &str, scale: u32) -> Result<i64> {
    let units = parse(text, scale).map_err(|e| Error::invalid(field, e))?;
    if units <= 0 {
        return Err(Error::invalid(field, "the amount must be more than zero"));
    }
    if units > MAX_AMOUNT {
        return Err(Error::invalid(
            field,
            format!("at most {} in one transfer", format(MAX_AMOUNT, scale)),
        ));
    }
    Ok(units)
}

/// Minor units split in equal shares (a bounty among those who earned it); the first shares
/// take the remainder, one unit each, so the shares add up to the whole.
pub fn shares(amount: i64, people: usize) -> Vec<i64> {
    if people == 0 {
        return Vec::new();
    }
    let n = people as i64;
    let (each, rest) = (amount / n, amount % n);
    (0..n).map(|i| each + i64::from(i < rest)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn shares_add_up_to_the_whole() {
        assert_eq!(shares(1000, 3), vec![334, 333, 333]);
        assert_eq!(shares(10, 4), vec![3, 3, 2, 2]);
        assert_eq!(shares(7, 1), vec![7]);
        assert!(shares(7, 0).is_empty());
        for (amount, n) in [(1, 3), (999_999, 7), (5, 5)] {
            assert_eq!(shares(amount, n).iter().sum::<i64>(), amount);
        }
    }

    #[test]
    fn reads_what_people_write() {
        assert_eq!(parse("12.50", 2), Ok(1250));
        assert_eq!(parse("12.5", 2), Ok(1250));
        assert_eq!(parse("12", 2), Ok(1200));
        assert_eq!(parse("0.01", 2), Ok(1));
        assert_eq!(parse("-3.2", 2), Ok(-320));
        assert_eq!(parse("7", 0), Ok(7));
        assert_eq!(
            parse("1.230", 2),
            Ok(123),
            "trailing zeros are not precision"
        );
    }

    #[test]
    fn refuses_what_it_would_have_to_guess() {
        for bad in [
            "", "abc", "1.", ".5", "1.2.3", "1e3", "12,50", "--1", "0x10", " ", "1 000",
        ] {
            assert!(parse(bad, 2).is_err(), "{bad:?}");
        }
        assert!(
            parse("0.001", 2)
                .unwrap_err()
                .contains("more than 2 decimals")
        );
        assert!(parse("1.5", 0).is_err());
        assert!(
            parse("99999999999999999999", 2)
                .unwrap_err()
                .contains("too large")
        );
        assert!(parse_transfer_amount("amount", "0", 2).is_err());
        assert!(parse_transfer_amount("amount", "-1", 2).is_err());
        assert!(parse_transfer_amount("amount", "10000000000000.01", 2).is_err());
    }

    proptest! {
        #[test]
        fn format_and_parse_agree(units in -BALANCE_BOUND..BALANCE_BOUND, scale in 0u32..=MAX_SCALE) {
            prop_assert_eq!(parse(&format(units, scale), scale), Ok(units));
        }
    }
}
