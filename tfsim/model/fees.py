"""Payment-by-results fees: a family's attachment fee and results payment."""

from __future__ import annotations

from tfsim.scenario.schema import Money, Scenario

from .calendar import date_of, financial_year


class FeeSchedule:
    """Attachment fee and results payment of a family, by financial year of attachment (£)."""

    def __init__(self, money: Money):
        self.fee = money.resolved("fee_per_family_gbp")
        self.by_year = {int(k): v for k, v in money.resolved("attachment_share_by_year").items()}
        self.share = money.resolved("attachment_share")
        self.funded = money.resolved("families_funded_share")
        self.ptw = round(money.resolved("progress_to_work_gbp") * self.funded, 2)

    def fees(self, year: int) -> tuple[float, float]:
        """(attachment, results) in £ for a family attached in financial year ``year``, to the penny."""
        share = self.by_year.get(year, self.share)
        fee = self.fee * self.funded
        attachment = round(fee * share, 2)
        return attachment, round(fee - attachment, 2)

    def fees_attached_at(self, scenario: Scenario, started: float) -> tuple[float, float]:
        """(attachment, results) in £ for a family whose first intervention started at clock ``started``."""
        return self.fees(financial_year(date_of(scenario, started)))
