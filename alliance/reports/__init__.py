"""Sales and impact reports: one selector of the figures (selectors.py), the staff's report
pages, the sellers' sales pages, spreadsheets (xlsx.py) and the report to the government
(pdf.py)."""
