"""Payment providers behind one small interface. Today only offline ones: cash on delivery and
bank transfer; an online provider (WeChat Pay) can be added as another class here."""

from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext as _

from livestreams.models import Order, PaymentMethod


@dataclass(frozen=True)
class PaymentProvider:
    code: str

    @property
    def label(self) -> str:
        return PaymentMethod(self.code).label

    def instructions(self, order: Order) -> str:
        """What the buyer is told to do to pay."""
        raise NotImplementedError


class CashOnDelivery(PaymentProvider):
    def instructions(self, order: Order) -> str:
        return _("Pay %(amount)s yuan to the seller when the parcel arrives.") % {
            "amount": order.paid_amount
        }


class BankTransfer(PaymentProvider):
    def instructions(self, order: Order) -> str:
        return _(
            "Transfer %(amount)s yuan to %(account)s, with the order number %(order)s as the "
            "reference."
        ) % {
            "amount": order.paid_amount,
            "account": settings.BANK_TRANSFER_ACCOUNT or _("the account the federation gives you"),
            "order": order.platform_order_id,
        }


PROVIDERS: dict[str, PaymentProvider] = {
    PaymentMethod.CASH_ON_DELIVERY: CashOnDelivery(PaymentMethod.CASH_ON_DELIVERY),
    PaymentMethod.BANK_TRANSFER: BankTransfer(PaymentMethod.BANK_TRANSFER),
}


def provider_for(order: Order) -> PaymentProvider | None:
    return PROVIDERS.get(order.payment_method)
