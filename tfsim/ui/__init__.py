"""The desktop app: a thin Qt shell over the scenario, experiment and chart layers."""
