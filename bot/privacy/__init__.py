"""What is stored, for how long, who can read it: PRIVACY.md (page.py) and the Art. 30 record
(record.py), rendered from the descriptions on the columns (storage/tables/, storage/privacy.py)
and the statements beyond the tables (statements.py, promises.py)."""
