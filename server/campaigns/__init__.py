"""Campaigns: member days, double points, bonuses and gifts, with budgets, caps and a holdout.

The package's verbs (other domains call these, not the modules' helpers):

- editing (staff): ``upsert``, ``set_status`` with ``CampaignDraft`` (``server.campaigns.editing``);
- reading (staff and analysts): ``listing``, ``get``, ``reach``, ``upcoming``
  (``server.campaigns.reading``); ``simulate`` (``server.campaigns.simulation``);
- earning, inside the purchase and check-in transactions: ``award_purchase``,
  ``award_check_in``, ``take_back`` after a refund (``server.campaigns.earning``);
- members: ``offers_for`` (``server.campaigns.offers``);
- returns: ``results(campaign_ids)`` → ``{id: CampaignResults}`` with attributed revenue, points
  cost, ROI, treated and held-out members and the lift (``server.campaigns.results``; the KPI
  dashboard's campaign table calls it);
- GRANT gifts run as the ``campaign-grants`` job (``server.campaigns.jobs``).
"""

from server.campaigns.earning import EarnLine, award_check_in, award_purchase, take_back  # noqa: F401
from server.campaigns.editing import CampaignDraft, set_status, upsert  # noqa: F401
from server.campaigns.offers import Offer  # noqa: F401
from server.campaigns.offers import for_member as offers_for  # noqa: F401
from server.campaigns.reading import get, listing, reach, upcoming  # noqa: F401
from server.campaigns.results import CampaignResults, results  # noqa: F401
from server.campaigns.simulation import Simulation, simulate  # noqa: F401
