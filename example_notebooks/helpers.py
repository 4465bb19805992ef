"""Calendar features shared by the sales notebooks."""

import pandas as pd


def add_calendar_features(frame: pd.DataFrame, date_column: str = "date") -> pd.DataFrame:
    """Return a copy of ``frame`` with day-of-week, weekend, month and day-of-year columns."""
    out = frame.copy()
    dates = out[date_column].dt
    out["day_of_week"] = dates.day_of_week
    out["is_weekend"] = (dates.day_of_week >= 5).astype(int)
    out["month"] = dates.month
    out["day_of_year"] = dates.day_of_year
    return out
