"""Haven's own date and number formats per language (settings.FORMAT_MODULE_PATH): the day before the
month in every language, so that no date reads one way in London and another in New York."""
