"""Processes: execution, conversion, builtins and the runners behind them."""
