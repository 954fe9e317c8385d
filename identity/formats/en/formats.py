# One format for every date and time Tobira shows, with the time zone named (TIME_ZONE).
# The SHORT_ forms are the same on purpose: a list and a detail page say a time the same way.
DATETIME_FORMAT = "M j, Y, H:i T"
SHORT_DATETIME_FORMAT = DATETIME_FORMAT
DATE_FORMAT = "M j, Y"
SHORT_DATE_FORMAT = DATE_FORMAT
