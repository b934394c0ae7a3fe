"""Where orders come from."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    """Where an order came from: a platform's export, or one of our own channels."""

    DOUYIN = "douyin", _("Douyin (抖音)")
    TAOBAO = "taobao", _("Taobao / Tmall (淘宝)")
    CHANNELS = "channels", _("WeChat Channels (视频号)")
    MINIPROGRAM = "miniprogram", _("Mini-program (小程序)")
    COURTYARD_QR = "courtyard_qr", _("Courtyard QR code (庭院扫码)")


LIVESTREAM_PLATFORMS = (Channel.DOUYIN, Channel.TAOBAO, Channel.CHANNELS)
