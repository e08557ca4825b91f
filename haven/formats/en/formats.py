"""English as written in Europe (and by the Red Cross Movement): "9 March 2026", "09/03/2026", "14:05".

Django's own English formats are American ("March 9, 2026", "03/09/2026", "2:05 p.m."); these take precedence.
Machine-readable dates (attributes, CSV, JSON, the API, the audit trail, file names) stay ISO 8601.
"""

DATE_FORMAT = "j F Y"
TIME_FORMAT = "H:i"
DATETIME_FORMAT = "j F Y, H:i"
YEAR_MONTH_FORMAT = "F Y"
MONTH_DAY_FORMAT = "j F"
SHORT_DATE_FORMAT = "d/m/Y"
SHORT_DATETIME_FORMAT = "d/m/Y H:i"
FIRST_DAY_OF_WEEK = 1  # Monday
# Typed dates: ISO 8601 first, because a date input (type=date) is given its value in the first format
# and the browser understands only ISO; then day before month, as people type it.
DATE_INPUT_FORMATS = ["%Y-%m-%d", "%d/%m/%Y", "%d/%m/%y"]
DATETIME_INPUT_FORMATS = ["%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M"]
DECIMAL_SEPARATOR = "."
THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
