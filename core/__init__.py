"""Domain-free helpers every app may use.

Text folding and search, spreadsheets, reporting periods, uploads, form widgets.
"""
