"""Every change of the livestream base and the order spine goes through these modules.

sessions: booking studios and streamers; imports: turning export files into orders;
matching: lines to SKUs and the unmatched queue; splitting: seller orders; attribution:
orders to live sessions; seller_orders: the seller order's lifecycle.
"""
