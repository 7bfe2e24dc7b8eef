"""Analytics on released figures only: tables, trends, change, crises, drivers, participation."""
