"""The courtyards' pages: public (scan, buy, book), the seller dashboard's, and staff's."""
