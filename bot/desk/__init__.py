"""The desk's parts, composed by `bot.facade.Backorders`: purchase orders and reports."""
