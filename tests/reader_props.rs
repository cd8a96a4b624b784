//! Arbitrary input to the reader and summary returns `Ok` or `Err`, never panics.

use btyd::data::{
    build_summary, read_transactions_from, ColumnSpec, Delimiter, ReadOptions, SummaryOptions,
    TimeUnit,
};
use btyd::io::read_summary_from;
use proptest::prelude::*;

fn read_and_summarise(bytes: &[u8], opts: &ReadOptions, calibration: bool) {
    if let Ok(tx) = read_transactions_from(bytes, "fuzz", opts) {
        assert!(!tx.customers.is_empty());
        let s = SummaryOptions {
            calibration_end: calibration.then_some(tx.first_date),
            ..SummaryOptions::new(TimeUnit::Week)
        };
        if let Ok((summary, _)) = build_summary(&tx, &s) {
            for c in &summary.customers {
                assert!(c.history.validate().is_ok(), "{c:?}");
            }
        }
    }
}

fn no_header() -> ReadOptions {
    ReadOptions {
        has_header: false,
        customer_col: Some(ColumnSpec::Index(1)),
        date_col: Some(ColumnSpec::Index(2)),
        amount_col: Some(ColumnSpec::Index(3)),
        allow_negative: true,
        ..ReadOptions::default()
    }
}

proptest! {
    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        read_and_summarise(&bytes, &ReadOptions::default(), false);
        read_and_summarise(&bytes, &no_header(), true);
        let ws = ReadOptions { delimiter: Delimiter::Whitespace, ..no_header() };
        read_and_summarise(&bytes, &ws, false);
        let _ = read_summary_from(&bytes[..], "fuzz", TimeUnit::Day);
    }

    #[test]
    fn csv_like_text_never_panics(
        text in "(id,date,amount\n)?([a-c0-9]{0,2}[,; \t]{1,2}(2020-0[1-2]-[0-3][0-9]|2020[01][0-9][0-3][0-9]|x)[,; \t]{1,2}(-?[0-9]{0,3}(\\.[0-9])?|NaN|inf|1e309)?\r?\n){0,8}"
    ) {
        read_and_summarise(text.as_bytes(), &ReadOptions::default(), false);
        read_and_summarise(text.as_bytes(), &ReadOptions::default(), true);
        read_and_summarise(text.as_bytes(), &no_header(), true);
    }

    #[test]
    fn summary_csv_like_text_never_panics(
        text in "(customer_id,frequency,recency,T(,monetary_value)?(,frequency_holdout,duration_holdout)?\r?\n)?([a-c0-9]{0,2},(-?[0-9]{0,2}(\\.[05])?|nan),([0-9]{0,2}(\\.[05])?),([0-9]{1,2})(,[0-9.]{0,3}){0,3}\r?\n){0,6}"
    ) {
        let _ = read_summary_from(text.as_bytes(), "fuzz", TimeUnit::Week);
    }
}
