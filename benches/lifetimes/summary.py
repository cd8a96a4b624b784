"""lifetimes' side of the whole-process summary benchmark (benches/README.md): read a
`customer_id,date,amount` log with pandas and build the frequency/recency/T/monetary_value
summary in weeks, as `btyd summary` does.

usage: python summary.py LOG.csv OUT.csv
"""
import sys

import pandas as pd
from lifetimes.utils import summary_data_from_transaction_data

log, out = sys.argv[1:3]
df = pd.read_csv(log, parse_dates=["date"])
s = summary_data_from_transaction_data(
    df, "customer_id", "date", monetary_value_col="amount", freq="D", freq_multiplier=7
)
s.to_csv(out)
