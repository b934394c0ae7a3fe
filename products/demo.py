"""Demo catalogue of the story: 200+ products of the alliance's 32 enterprises and the partner
county's sellers, each with a photo drawn here (no downloads) and listings on the platforms.

Every SKU of the sample platform exports (../shared/data/, "Catalogue") is here with its
merchant code, spec, price, seller and platform product ids, so the sample orders find their
sellers. Running it again changes nothing: a product that exists (same seller and name) is
left alone, photos included.
"""

import hashlib
import io
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache
from pathlib import Path

from django.db import transaction
from PIL import Image, ImageDraw, ImageFont

from alliance.demo import PARTNER, PARTNER_MEMBERS
from alliance.models import Enterprise, Federation, Member, Village
from products import services
from products.models import (
    ALL_MONTHS,
    SKU,
    Category,
    ChannelListing,
    Platform,
    Product,
    ProductImage,
    ProductStatus,
    months_to_mask,
)

CJK_FONT = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")
PICTURE_SIDE = 360

# top category: children (the order is the order shoppers see)
CATEGORIES = {
    "鲜果": ["草莓", "水蜜桃", "杨梅", "樱桃", "猕猴桃"],
    "蔬菜": ["芋艿", "笋", "时令蔬菜"],
    "花木": ["杜鹃", "盆景", "花苗"],
    "酒饮": ["酒酿", "米酒", "黄酒", "果酒", "茶", "果饮"],
    "糕点零食": ["千层饼", "年糕", "豆酥糖", "牛肉干", "冻干", "果酱蜜饯"],
    "山货干货": ["笋干", "蜂蜜", "海味", "农家干货"],
    "农家土货": ["大米", "禽蛋", "粮油"],
    "手作": ["竹编", "布鞋", "刺绣", "布艺", "文创"],
    "七彩巧妇优选": ["年货礼盒", "伴手礼"],
    "结对帮扶": ["苦荞", "花椒", "核桃", "马铃薯", "彝绣", "山货"],
}

# The sample exports' catalogue: merchant code: (title, spec, price, enterprise, sub-category,
# 抖店 商品ID, 淘宝 商品ID, 视频号 商品编码(平台)). The platform ids are the listings'.
SAMPLE_CATALOGUE = {
    "FH-CM-001": ("奉化尚田草莓 红颜章姬 现摘现发", "红颜 2斤礼盒", "88.00", "尚田小莓园", "草莓",
                  "3524008023013303727", "658619131821", "10000907139812"),
    "FH-CM-002": ("奉化尚田草莓 红颜章姬 现摘现发", "章姬 3斤家庭装", "98.00", "尚田小莓园", "草莓",
                  "3524008023013303727", "658619131821", "10000907139812"),
    "FH-CM-003": ("尚田草莓冻干草莓脆 儿童零食", "冻干草莓脆 60g×3袋", "39.90", "尚田小莓园",
                  "冻干", "3592313721274503371", "668051162683", "10000109093938"),
    "FH-MT-001": ("奉化水蜜桃 锦屏山现摘 顺丰包邮", "湖景蜜露 12只礼盒", "99.00", "锦屏桃花坞果园",
                  "水蜜桃", "3556426061210664444", "697713346447", "10000342078157"),
    "FH-MT-002": ("奉化水蜜桃 锦屏山现摘 顺丰包邮", "晚熟玉露 8只装", "69.00", "锦屏桃花坞果园",
                  "水蜜桃", "3556426061210664444", "697713346447", "10000342078157"),
    "FH-YN-001": ("奉化芋艿头 萧王庙红芋艿 农家现挖", "5斤装", "49.90", "萧王庙芋香合作社", "芋艿",
                  "3500824114282596349", "614165767197", "10000442219815"),
    "FH-YN-002": ("奉化芋艿头 萧王庙红芋艿 农家现挖", "10斤装", "89.00", "萧王庙芋香合作社", "芋艿",
                  "3500824114282596349", "614165767197", "10000442219815"),
    "FH-DJ-001": ("金峨杜鹃花盆景 西洋杜鹃 庭院精品", "西洋杜鹃 中号含盆", "168.00", "金峨杜鹃庭院",
                  "杜鹃", "3582193190709037614", "644025751285", "10000294605773"),
    "FH-DJ-002": ("金峨杜鹃花盆景 西洋杜鹃 庭院精品", "西洋杜鹃 大号含盆", "268.00", "金峨杜鹃庭院",
                  "杜鹃", "3582193190709037614", "644025751285", "10000294605773"),
    "FH-JN-001": ("西坞手工酒酿 农家甜酒酿", "500g×4罐", "45.00", "西坞米香酒酿坊", "酒酿",
                  "3564296152973005934", "681385905786", "10000495605821"),
    "FH-MJ-001": ("奉化桂花米酒 低度甜米酒", "750ml×2瓶", "58.00", "西坞米香酒酿坊", "米酒",
                  "3547273723415673914", "682337767088", "10000491859896"),
    "FH-QC-001": ("溪口千层饼 传统手工 礼盒装", "原味 400g×2盒", "42.00", "溪口山珍小铺", "千层饼",
                  "3563736218814831166", "643184877338", "10000572372583"),
    "FH-QC-002": ("溪口千层饼 传统手工 礼盒装", "苔菜味 400g×2盒", "45.00", "溪口山珍小铺",
                  "千层饼", "3563736218814831166", "643184877338", "10000572372583"),
    "FH-SG-001": ("奉化农家笋干 高山扁尖", "250g", "36.80", "溪口山珍小铺", "笋干",
                  "3514852235614878420", "636792549673", "10000927273190"),
    "FH-NR-001": ("奉化五香牛肉干 手工风干", "五香 250g", "59.00", "莼湖巧妇牛肉干工坊", "牛肉干",
                  "3571114925030379119", "624301889914", "10000780871990"),
    "FH-ZP-001": ("【赠品】奉化牛肉粒 试吃装", "试吃装 30g", "0.00", "莼湖巧妇牛肉干工坊", "牛肉干",
                  "3557002292866177675", None, None),
    "FH-BX-001": ("奉化手工千层底布鞋 女款", "女款 黑色", "128.00", "大堰竹韵手作", "布鞋",
                  "3554381971772586328", "657490764767", "10000657618016"),
    "FH-ZB-001": ("奉化竹编果篮 手工竹编收纳", "中号 直径30cm", "78.00", "大堰竹韵手作", "竹编",
                  "3526986860510272359", "665199616318", "10000485507154"),
}  # fmt: skip

STRAWBERRY = "12,1,2,3,4"
PEACH = "7,8"
AZALEA = "3,4,5"
SHOOTS = "3,4,5"
TARO = "9,10,11,12"
WINTER = "11,12,1,2"

# enterprise: [(name, sub-category, unit, "spec:price|spec:price", months or "" for all year)]
PRODUCTS = {
    "尚田小莓园": [
        ("尚田红颜草莓 精品单果礼盒", "草莓", "盒", "精品1.5斤:128|特级2斤礼盒:158", STRAWBERRY),
        ("尚田章姬草莓 亲子采摘券", "草莓", "张", "双人采摘券:68|家庭采摘券:98", STRAWBERRY),
        ("小阿莓 草莓果酱 手工熬制", "果酱蜜饯", "瓶", "250g×2瓶:45", ""),
        ("冻干草莓酸奶块 宝宝零食", "冻干", "袋", "原味 30g×5袋:45", ""),
        ("尚田草莓干 低糖果脯", "果酱蜜饯", "袋", "200g×2袋:39", ""),
    ],
    "锦屏桃花坞果园": [
        ("奉化水蜜桃 湖景蜜露 单果四两以上", "水蜜桃", "盒", "6只装:59|12只装:109", PEACH),
        ("锦屏山黄桃 新鲜现摘", "水蜜桃", "箱", "5斤装:68", PEACH),
        ("锦屏山 野生桃胶", "农家干货", "袋", "250g:35", ""),
        ("锦屏山 东魁杨梅 桃花坞", "杨梅", "箱", "3斤装:128", "6"),
        ("奉化水蜜桃汁 鲜榨冷藏", "果饮", "瓶", "300ml×6瓶:69", PEACH),
    ],
    "萧王庙芋香合作社": [
        ("奉化芋艿头 精选大果 礼盒装", "芋艿", "盒", "8斤礼盒:99", TARO),
        ("萧王庙小芋艿 毛芋 农家种", "芋艿", "箱", "5斤装:39.90", TARO),
        ("芋艿糕 手工蒸糕", "年糕", "盒", "6块装:36", ""),
        ("萧王庙 红心番薯", "时令蔬菜", "箱", "5斤装:29.90", TARO),
        ("萧王庙 芋艿片 农家晒干", "农家干货", "袋", "250g:28", ""),
    ],
    "金峨杜鹃庭院": [
        ("金峨毛鹃 庭院地栽苗", "杜鹃", "份", "三年苗 5株:88", AZALEA),
        ("金峨夏鹃 盆栽 带花苞发货", "杜鹃", "盆", "小号:58|中号:98", AZALEA),
        ("金峨五针松 庭院盆景", "盆景", "盆", "小品盆景:268|中型盆景:588", ""),
        ("杜鹃小盆栽 办公桌摆件", "杜鹃", "盆", "带盆:39", AZALEA),
        ("庭院绿植 龟甲冬青球", "花苗", "棵", "冠幅30cm:45", ""),
    ],
    "西坞米香酒酿坊": [
        ("西坞酒酿圆子 速食装", "酒酿", "袋", "300g×6袋:49", ""),
        ("奉化糯米黄酒 手工冬酿", "黄酒", "坛", "2.5L坛装:88", ""),
        ("桂花酒酿 小罐尝鲜装", "酒酿", "罐", "200g×6罐:39.90", ""),
        ("西坞米酒 原味 大桶装", "米酒", "桶", "2.5L:68", ""),
        ("西坞 酒酿饼 手工现烙", "酒酿", "袋", "6个装:32", ""),
    ],
    "溪口山珍小铺": [
        ("溪口千层饼 苔菜味 散装", "千层饼", "袋", "500g:32", ""),
        ("溪口雪窦山 野生石笋干", "笋干", "袋", "500g:79", ""),
        ("溪口高山笋丝 农家晒制", "笋干", "袋", "250g×2袋:42", ""),
        ("溪口山核桃仁 手剥", "农家干货", "袋", "250g:68", ""),
        ("溪口手工麻糍 艾草味", "年糕", "盒", "10个装:35", ""),
    ],
    "莼湖巧妇牛肉干工坊": [
        ("奉化香辣牛肉干 手工风干", "牛肉干", "袋", "香辣 250g:59", ""),
        ("莼湖牛肉干礼盒 五香香辣双拼", "牛肉干", "盒", "500g礼盒:118", ""),
        ("莼湖手撕牛肉条 原味", "牛肉干", "袋", "200g:49", ""),
        ("奉化牛肉粒 独立小包", "牛肉干", "袋", "500g:89", ""),
        ("莼湖 麻辣牛肉干", "牛肉干", "袋", "麻辣 250g:59", ""),
    ],
    "大堰竹韵手作": [
        ("大堰竹编 茶具收纳盒", "竹编", "个", "小号:58|大号:88", ""),
        ("大堰竹编 野餐篮 带盖", "竹编", "个", "中号:128", ""),
        ("手工竹编灯罩 大堰竹韵", "竹编", "个", "直径35cm:168", ""),
        ("大堰手工竹筷 无漆", "竹编", "份", "10双装:36", ""),
        ("大堰竹编 花篮 插花用", "竹编", "个", "小号:48", ""),
    ],
    "桃蹊科技": [
        ("滕头村 有机蔬菜宅配箱", "时令蔬菜", "箱", "8斤装:88", ""),
        ("滕头生态大米 当季新米", "大米", "袋", "5kg:69", "10,11,12"),
        ("滕头村 散养土鸡蛋", "禽蛋", "盒", "30枚:59", ""),
        ("桃蹊 阳台番茄苗 智慧农场", "花苗", "份", "6株:29.90", "3,4,5"),
        ("滕头 农家菜籽油 压榨", "粮油", "桶", "5L:128", ""),
        ("滕头 笋干菜 梅干菜", "农家干货", "袋", "500g:36", ""),
    ],
    "魅源坊酒酿": [
        ("魅源坊 手工酒酿 家庭装", "酒酿", "罐", "1kg×2罐:58", ""),
        ("魅源坊 红曲米酒", "米酒", "瓶", "500ml×4瓶:76", ""),
        ("魅源坊 酒酿蛋花 速食杯", "酒酿", "杯", "6杯装:45", ""),
        ("魅源坊 桂花甜酒酿 礼盒", "酒酿", "盒", "4罐礼盒:88", ""),
        ("白杜 冬酿黄酒 坛装", "黄酒", "坛", "5斤坛:120", WINTER),
        ("魅源坊 酒酿馒头 手工发酵", "年糕", "袋", "10个:29.90", ""),
    ],
    "富罗迷鞋业": [
        ("富罗迷 手工千层底布鞋 男款", "布鞋", "双", "男款 黑色:148", ""),
        ("富罗迷 儿童虎头鞋", "布鞋", "双", "1-2岁:98|2-3岁:108", ""),
        ("富罗迷 老北京布鞋 透气款", "布鞋", "双", "女款:88|男款:98", ""),
        ("富罗迷 手工棉鞋 冬款", "布鞋", "双", "女款:128|男款:138", WINTER),
        ("富罗迷 绣花鞋垫 手工", "刺绣", "双", "2双装:39", ""),
        ("富罗迷 布鞋 孕妇软底款", "布鞋", "双", "女款:118", ""),
    ],
    "溪口王氏千层饼坊": [
        ("王氏千层饼 原味 罐装", "千层饼", "罐", "350g罐装:36", ""),
        ("王氏千层饼 海苔味", "千层饼", "袋", "400g:38", ""),
        ("王氏千层饼 芝麻味", "千层饼", "袋", "400g:38", ""),
        ("王氏千层饼 家庭分享装", "千层饼", "袋", "1kg:68", ""),
        ("溪口千层饼 伴手礼盒", "千层饼", "盒", "4盒礼盒:128", ""),
        ("王氏 溪口麻糍 黄豆粉", "年糕", "盒", "10个:35", ""),
    ],
    "滕头巧妇年糕坊": [
        ("滕头手打年糕 农家石臼", "年糕", "箱", "5斤装:45", ""),
        ("水磨年糕 真空装", "年糕", "袋", "500g×4袋:32", ""),
        ("年糕片 炒年糕专用", "年糕", "袋", "2斤:22", ""),
        ("桂花红糖年糕", "年糕", "条", "6条:36", ""),
        ("年糕礼盒 年味伴手礼", "年糕", "盒", "礼盒 3kg:88", WINTER),
        ("滕头 手工青团 豆沙馅", "年糕", "盒", "10个:39.90", "3,4"),
    ],
    "大堰曲毫茶业": [
        ("奉化曲毫 明前绿茶", "茶", "罐", "100g罐装:168|250g礼盒:388", ""),
        ("奉化曲毫 雨前绿茶", "茶", "罐", "250g:128", ""),
        ("大堰高山红茶", "茶", "罐", "100g:98", ""),
        ("奉化白茶 高山种", "茶", "罐", "100g:128", ""),
        ("大堰 野生菊花茶", "茶", "罐", "50g:39", ""),
        ("奉化曲毫 茶礼盒 双罐", "茶", "盒", "双罐礼盒:258", ""),
    ],
    "鸣雁草莓专业合作社": [
        ("鸣雁村 红颜草莓 家庭装", "草莓", "箱", "3斤装:88", STRAWBERRY),
        ("鸣雁 白草莓 淡雪", "草莓", "盒", "1斤礼盒:98", STRAWBERRY),
        ("鸣雁 草莓苗 阳台种植", "花苗", "份", "10株:29.90", "9,10,11"),
        ("鸣雁 冻干整颗草莓", "冻干", "袋", "50g:35", ""),
        ("鸣雁 草莓酱 低糖", "果酱蜜饯", "瓶", "250g×2瓶:45", ""),
        ("鸣雁 草莓采摘 团体预约", "草莓", "份", "10人团:580", STRAWBERRY),
    ],
    "西坞四季花香花木场": [
        ("四季海棠 盆栽 西坞花木", "花苗", "份", "三棵装:39", ""),
        ("西坞 山茶花 盆栽", "花苗", "盆", "中号:128", ""),
        ("红花檵木球 庭院造型", "盆景", "棵", "冠幅40cm:88", ""),
        ("西洋鹃 年宵花 双色", "杜鹃", "盆", "大号:158", "12,1,2"),
        ("多肉组合盆栽 六头", "花苗", "盆", "6头:49", ""),
        ("茉莉花 盆栽 带花苞", "花苗", "盆", "中号:45", "5,6,7,8"),
    ],
    "金峨盆景园艺": [
        ("金峨 罗汉松盆景", "盆景", "盆", "小品:398|中品:980", ""),
        ("金峨 榆树桩盆景", "盆景", "盆", "中型:368", ""),
        ("金峨 真柏造型盆景", "盆景", "盆", "小品:268", ""),
        ("金峨 金弹子盆景", "盆景", "盆", "中型:598", ""),
        ("宜兴紫砂盆景盆 长方", "盆景", "个", "30cm:128", ""),
        ("微型盆景 文竹 桌面", "盆景", "盆", "带盆:35", ""),
    ],
    "莼湖巧妇海味坊": [
        ("莼湖 鳗鲞 手工晒制", "海味", "条", "约1斤/条:128", "11,12,1"),
        ("桐照 虾干 淡晒", "海味", "袋", "250g:78", ""),
        ("莼湖 淡菜干 贻贝", "海味", "袋", "250g:58", ""),
        ("莼湖 即食海蜇头", "海味", "袋", "500g:68", ""),
        ("莼湖 头水紫菜", "海味", "袋", "100g:29.90", ""),
        ("莼湖 黄鱼鲞 礼盒", "海味", "盒", "2条礼盒:168", ""),
    ],
    "江口蜂语蜂蜜": [
        ("江口土蜂蜜 百花蜜", "蜂蜜", "瓶", "500g:68|1kg:128", ""),
        ("江口 洋槐蜜", "蜂蜜", "瓶", "500g:58", ""),
        ("江口 桂花秋蜜", "蜂蜜", "瓶", "500g:78", "10,11"),
        ("江口 蜂巢蜜 整块", "蜂蜜", "盒", "500g:118", ""),
        ("江口 鲜蜂王浆", "蜂蜜", "瓶", "250g:158", ""),
        ("蜂语 蜂蜜柚子茶", "果饮", "瓶", "500g×2瓶:49", ""),
    ],
    "锦屏山杨梅园": [
        ("锦屏山 东魁杨梅 大果", "杨梅", "箱", "3斤装:128|5斤装:198", "6"),
        ("锦屏山 荸荠种杨梅", "杨梅", "箱", "3斤装:98", "6"),
        ("锦屏山 杨梅烧酒 自酿", "果酒", "瓶", "1.5L:88", ""),
        ("锦屏山 杨梅干 低糖", "果酱蜜饯", "袋", "250g:39", ""),
        ("锦屏山 早熟樱桃", "樱桃", "盒", "2斤:88", "4,5"),
        ("锦屏山 杨梅原浆", "果饮", "瓶", "300ml×6瓶:78", "6,7"),
    ],
    "溪口雷笋加工坊": [
        ("溪口雷笋 鲜笋现挖", "笋", "箱", "5斤装:49.90", SHOOTS),
        ("溪口毛笋 现挖现发", "笋", "箱", "10斤:45", SHOOTS),
        ("溪口雷笋 清水笋 即食", "笋", "袋", "500g×2袋:39.90", ""),
        ("溪口 油焖笋 罐装", "笋", "罐", "350g×3罐:45", ""),
        ("溪口 手剥扁尖笋干", "笋干", "袋", "250g:49", ""),
        ("溪口冬笋 现挖", "笋", "箱", "3斤:78", "11,12,1"),
    ],
    "奉化巧手布艺工作室": [
        ("蓝印花布 手工抱枕", "布艺", "个", "45cm:68", ""),
        ("蓝印花布 手提包", "布艺", "个", "中号:98", ""),
        ("手工布老虎 摆件", "布艺", "个", "小号:58", ""),
        ("布艺杯垫 六件套", "布艺", "套", "六件套:39", ""),
        ("端午手工香囊", "刺绣", "份", "3个装:45", "5,6"),
        ("手工儿童围兜 纯棉", "布艺", "份", "2条:36", ""),
    ],
    "岳林女红刺绣坊": [
        ("手工刺绣团扇 花鸟", "刺绣", "把", "花鸟:168", ""),
        ("刺绣书签 礼盒", "刺绣", "盒", "4枚:68", ""),
        ("手工刺绣 桑蚕丝丝巾", "刺绣", "条", "桑蚕丝:228", ""),
        ("手工刺绣 零钱包", "刺绣", "个", "零钱包:58", ""),
        ("刺绣装饰画 牡丹", "刺绣", "幅", "30×30cm:388", ""),
        ("手工刺绣 香包挂件", "刺绣", "个", "2个装:49", ""),
    ],
    "萧王庙樱桃园": [
        ("萧王庙 短柄樱桃", "樱桃", "盒", "2斤:98", "4,5"),
        ("萧王庙 樱桃礼盒", "樱桃", "盒", "3斤礼盒:158", "4,5"),
        ("萧王庙 樱桃酒 自酿", "果酒", "瓶", "750ml:68", ""),
        ("萧王庙 樱桃果酱", "果酱蜜饯", "瓶", "250g:35", ""),
        ("萧王庙 红心猕猴桃", "猕猴桃", "箱", "5斤:59", "9,10"),
        ("萧王庙 樱桃采摘券", "樱桃", "张", "双人券:88", "4,5"),
    ],
    "印家坑山居民宿": [
        ("印家坑 散养土鸡蛋", "禽蛋", "盒", "30枚:59", ""),
        ("印家坑 山居自制梅干菜", "农家干货", "袋", "500g:36", ""),
        ("印家坑 高山云雾茶", "茶", "罐", "100g:78", ""),
        ("印家坑 农家番薯干", "农家干货", "袋", "500g:29.90", ""),
        ("印家坑 手工麦芽糖", "豆酥糖", "袋", "500g:32", WINTER),
        ("印家坑 笋干菜", "笋干", "袋", "250g:29", ""),
    ],
    "岩头农家乐": [
        ("岩头 农家散养土鸡", "禽蛋", "只", "约3斤/只:168", ""),
        ("岩头 柴火熏腊肉", "农家干货", "袋", "500g:68", WINTER),
        ("岩头 农家酱鸭", "农家干货", "只", "1只:88", WINTER),
        ("岩头 土鸭蛋 咸蛋", "禽蛋", "盒", "20枚:49", ""),
        ("岩头古村 艾草青团", "年糕", "盒", "10个:39.90", "3,4"),
        ("岩头 农家压榨菜籽油", "粮油", "桶", "5L:128", ""),
    ],
    "西坞巧妇豆酥糖坊": [
        ("奉化豆酥糖 传统手工", "豆酥糖", "袋", "250g×2袋:36", ""),
        ("西坞豆酥糖 黑芝麻味", "豆酥糖", "袋", "250g:22", ""),
        ("奉化豆酥糖 礼盒装", "豆酥糖", "盒", "8盒礼盒:128", ""),
        ("西坞 酒酿米馒头", "年糕", "袋", "10个:29.90", ""),
        ("西坞 手工花生酥", "豆酥糖", "袋", "300g:28", ""),
        ("西坞 传统冻米糖", "豆酥糖", "袋", "500g:32", "12,1,2"),
    ],
    "大堰竹海山货": [
        ("大堰 高山笋干", "笋干", "袋", "500g:68", ""),
        ("大堰 野生猕猴桃", "猕猴桃", "箱", "3斤:45", "9,10"),
        ("大堰 山茶油 古法压榨", "粮油", "桶", "2.5L:258", ""),
        ("大堰 香榧 椒盐", "农家干货", "袋", "250g:98", ""),
        ("大堰 野山菌 干货", "农家干货", "袋", "100g:58", ""),
        ("大堰 土蜂蜜 高山", "蜂蜜", "瓶", "500g:88", ""),
    ],
    "桐照渔家民宿": [
        ("桐照渔家 淡晒虾皮", "海味", "袋", "250g:35", ""),
        ("桐照 梅童鱼干", "海味", "袋", "250g:49", ""),
        ("桐照渔家 醉泥螺", "海味", "瓶", "250g×2瓶:45", ""),
        ("桐照 渔家海鲜礼包", "海味", "份", "礼包:198", "11,12,1"),
        ("桐照渔家 自制虾酱", "海味", "瓶", "200g×2瓶:39", ""),
        ("桐照 米鱼鲞 咸鲞", "海味", "条", "约1斤/条:98", "11,12,1"),
    ],
    "南渡米业": [
        ("南渡 江口大米 当季新米", "大米", "袋", "5kg:59|10kg:109", ""),
        ("南渡 胚芽米 宝宝米", "大米", "袋", "2.5kg:49", ""),
        ("南渡 糯米 年糕专用", "大米", "袋", "5kg:69", ""),
        ("南渡 手工米粉干", "粮油", "袋", "1kg:29", ""),
        ("南渡 黑米 杂粮", "大米", "袋", "1kg:25", ""),
        ("南渡 米香爆米花 手工", "大米", "袋", "200g×3袋:19.90", ""),
    ],
    "七彩巧妇电商服务中心": [
        ("七彩巧妇 奉化年货礼盒", "年货礼盒", "盒", "标准款:198|豪华款:298", "12,1,2"),
        ("七彩巧妇 中秋伴手礼", "伴手礼", "盒", "礼盒:168", "8,9"),
        ("七彩巧妇 巾帼好物礼盒 三八节", "伴手礼", "盒", "礼盒:138", "2,3"),
        ("奉化山货六件套 巧妇精选", "年货礼盒", "套", "六件套:228", ""),
        ("七彩巧妇 端午礼盒 粽子咸蛋", "伴手礼", "盒", "粽子+咸蛋:128", "5,6"),
        ("七彩巧妇 甘洛好物礼包", "伴手礼", "盒", "礼包:99", ""),
    ],
    "亲爱的玛丽文化传媒": [
        ("七彩巧妇 文创帆布袋", "文创", "个", "印花款:39", ""),
        ("奉化五美 明信片套装", "文创", "套", "12张:25", ""),
        ("七彩巧妇联盟 冰箱贴", "文创", "套", "4个装:29.90", ""),
        ("手绘团扇 奉化山水", "文创", "把", "手绘:88", ""),
        ("奉化水蜜桃 毛绒公仔", "文创", "个", "20cm:69", ""),
        ("七彩巧妇 手账本 奉化风物", "文创", "本", "A5:36", ""),
    ],
}  # fmt: skip

# Partner-county products, by the partner federation's sellers (alliance.demo.PARTNER_MEMBERS).
PARTNER_PRODUCTS = {
    "13800000101": [
        ("甘洛 苦荞茶 全胚芽", "苦荞", "罐", "300g:39|500g罐装:59", ""),
        ("大凉山 苦荞面条", "苦荞", "袋", "1kg:29.90", ""),
        ("甘洛 高山土豆 马铃薯", "马铃薯", "箱", "10斤:39.90", "8,9,10,11"),
        ("甘洛 土豆粉条", "马铃薯", "袋", "500g×2袋:32", ""),
        ("大凉山 薄壳核桃", "核桃", "袋", "1kg:49", ""),
        ("甘洛 苦荞米 杂粮", "苦荞", "袋", "1kg:26", ""),
        ("甘洛 彝家 荞麦饼", "苦荞", "袋", "500g:28", ""),
    ],
    "13800000102": [
        ("甘洛 大红袍花椒", "花椒", "袋", "100g:29.90|250g:65", ""),
        ("甘洛 青花椒 麻香", "花椒", "袋", "100g:26", ""),
        ("彝绣 手工钱包", "彝绣", "个", "小号:68", ""),
        ("彝绣 杯垫 四件套", "彝绣", "套", "四件套:58", ""),
        ("彝绣 手工挎包", "彝绣", "个", "中号:168", ""),
        ("大凉山 核桃仁", "核桃", "袋", "500g:59", ""),
        ("甘洛 野生菌 干货", "山货", "袋", "100g:49", ""),
    ],
}  # fmt: skip

DESCRIPTIONS = {
    "鲜果": "当天现摘，挑选装箱，冷链发货。",
    "蔬菜": "自家地里现挖现发，带着泥土的新鲜。",
    "花木": "庭院苗圃自己养护，带土球包装发货，附养护说明。",
    "酒饮": "传统工艺，小批量制作；开封后请冷藏。",
    "糕点零食": "老手艺现做，不加防腐剂。",
    "山货干货": "山里人家自采自晒，干净好存放。",
    "农家土货": "农家自种自养，量少但实在。",
    "手作": "巧妇一针一线、一篾一片手工做成，每件略有不同。",
    "七彩巧妇优选": "联盟姐妹的好物精选组合，适合送礼。",
    "结对帮扶": "甘洛县姐妹种植制作，每一单都是“姐妹携手共致富”。",
}
HERITAGE = {"千层饼", "年糕", "豆酥糖", "布鞋", "刺绣", "竹编", "酒酿", "彝绣"}

# Colours of the drawn photos, per top category: background, shape, text outline.
PALETTE = {
    "鲜果": ("#fde2e4", "#e63946", "#8d1b2a"),
    "蔬菜": ("#e9f5db", "#7a5c3e", "#3e2c1c"),
    "花木": ("#f8e1f4", "#d63384", "#6f1d4b"),
    "酒饮": ("#fff3d6", "#e0a526", "#6b4a0b"),
    "糕点零食": ("#fbe7c6", "#c97c1a", "#5e3a0c"),
    "山货干货": ("#efe6d8", "#8a6a3f", "#40301b"),
    "农家土货": ("#f1f7e9", "#5b8c2a", "#2d4615"),
    "手作": ("#e4f1ee", "#2a9d8f", "#134b44"),
    "七彩巧妇优选": ("#fde9f1", "#b5179e", "#560b4b"),
    "结对帮扶": ("#e3edf9", "#3a6ea5", "#183252"),
}


@dataclass
class DemoProduct:
    name: str
    seller: Member
    enterprise: Enterprise | None
    category: Category
    unit: str
    skus: list[tuple[str, str, Decimal]]  # merchant code, spec, price
    months: str
    listings: list[tuple[str, str]] = field(default_factory=list)  # platform, product id
    partner: Federation | None = None
    is_sample: bool = False


@transaction.atomic
def seed() -> dict[str, int]:
    """Loads the demo catalogue (after alliance.demo.seed); running it again changes nothing."""
    categories = _categories()
    existing = set(Product.objects.values_list("seller_id", "name"))
    villages = {v.pk: v for v in Village.objects.all()}
    for index, item in enumerate(_demo_products(categories)):
        if (item.seller.pk, item.name) not in existing:
            _create(index, item, villages)
            existing.add((item.seller.pk, item.name))
    return {
        "categories": Category.objects.count(),
        "products": Product.objects.count(),
        "skus": SKU.objects.count(),
        "listings": ChannelListing.objects.count(),
        "images": ProductImage.objects.count(),
    }


def _categories() -> dict[str, Category]:
    """Sub-categories by name (every sub-category name here is used once)."""
    children = {}
    for position, (top_name, child_names) in enumerate(CATEGORIES.items()):
        top, _ = Category.objects.get_or_create(
            name=top_name, parent=None, defaults={"position": position}
        )
        for child_position, name in enumerate(child_names):
            children[name], _ = Category.objects.get_or_create(
                name=name, parent=top, defaults={"position": child_position}
            )
    return children


def _skus(code_prefix: str, text: str) -> list[tuple[str, str, Decimal]]:
    skus = []
    for position, item in enumerate(text.split("|"), start=1):
        spec, price = item.rsplit(":", 1)
        skus.append((f"{code_prefix}{position}", spec, Decimal(price).quantize(Decimal("0.01"))))
    return skus


def _sample_products(
    categories: dict[str, Category], enterprises: dict[str, Enterprise]
) -> list[DemoProduct]:
    products: dict[str, DemoProduct] = {}
    for code, row in SAMPLE_CATALOGUE.items():
        title, spec, price, seller, category, douyin, taobao, channels = row
        if title not in products:
            enterprise = enterprises[seller]
            listings = [
                (platform, product_id)
                for platform, product_id in (
                    (Platform.DOUYIN, douyin),
                    (Platform.TAOBAO, taobao),
                    (Platform.CHANNELS, channels),
                )
                if product_id
            ]
            products[title] = DemoProduct(
                name=title,
                seller=enterprise.owner,
                enterprise=enterprise,
                category=categories[category],
                unit="份",
                skus=[],
                months="",
                listings=listings,
                is_sample=True,
            )
        products[title].skus.append((code, spec, Decimal(price)))
    seasons = {"草莓": STRAWBERRY, "水蜜桃": PEACH, "芋艿": TARO, "杜鹃": AZALEA}
    units = {"草莓": "盒", "水蜜桃": "盒", "芋艿": "箱", "杜鹃": "盆", "布鞋": "双", "竹编": "个"}
    for product in products.values():
        product.months = seasons.get(product.category.name, "")
        product.unit = units.get(product.category.name, "份")
    return list(products.values())


def _demo_products(categories: dict[str, Category]) -> list[DemoProduct]:
    enterprises = {e.name: e for e in Enterprise.objects.select_related("owner").order_by("pk")}
    items = _sample_products(categories, enterprises)
    for number, (enterprise_name, rows) in enumerate(PRODUCTS.items(), start=1):
        enterprise = enterprises[enterprise_name]
        for product_number, (name, category, unit, skus, months) in enumerate(rows, start=1):
            items.append(
                DemoProduct(
                    name=name,
                    seller=enterprise.owner,
                    enterprise=enterprise,
                    category=categories[category],
                    unit=unit,
                    skus=_skus(f"QF-{number:02d}-{product_number:02d}", skus),
                    months=months,
                )
            )
    partner = Federation.objects.get(name=PARTNER[0])
    members = {m.mobile: m for m in Member.objects.filter(mobile__in=PARTNER_PRODUCTS)}
    for number, (mobile, rows) in enumerate(PARTNER_PRODUCTS.items(), start=1):
        for product_number, (name, category, unit, skus, months) in enumerate(rows, start=1):
            items.append(
                DemoProduct(
                    name=name,
                    seller=members[mobile],
                    enterprise=None,
                    category=categories[category],
                    unit=unit,
                    skus=_skus(f"GL-{number:02d}-{product_number:02d}", skus),
                    months=months,
                    partner=partner,
                )
            )
    assert set(PARTNER_PRODUCTS) <= set(PARTNER_MEMBERS)
    return items


# --- Creating one product ------------------------------------------------------------------------


def _stock(index: int, is_sample: bool) -> int:
    """Plenty for the sample orders; elsewhere a mix, some low and some sold out."""
    if is_sample:
        return 120 + index * 7 % 80
    if index % 13 == 5:
        return 0
    if index % 9 == 4:
        return 3
    return 10 + index * 37 % 190


def _status(index: int, is_sample: bool) -> str:
    if not is_sample and index % 23 == 11:
        return ProductStatus.DRAFT
    if not is_sample and index % 29 == 17:
        return ProductStatus.OFF_SHELF
    return ProductStatus.ON_SALE


def _platform_id(platform: str, code: str) -> str:
    """A made-up but stable platform product id, shaped like the platform's."""
    digits = str(int(hashlib.sha256(f"{platform}:{code}".encode()).hexdigest(), 16))
    return {
        Platform.DOUYIN: "36" + digits[:17],
        Platform.TAOBAO: "7" + digits[:11],
        Platform.CHANNELS: "10002" + digits[:9],
    }[platform]


def _listings(index: int, item: DemoProduct) -> list[tuple[str, str]]:
    if item.is_sample:
        return item.listings
    wanted = [
        (Platform.DOUYIN, index % 2 == 0),
        (Platform.TAOBAO, index % 3 == 0),
        (Platform.CHANNELS, index % 4 == 1),
    ]
    return [(p, _platform_id(p, item.skus[0][0])) for p, is_listed in wanted if is_listed]


def _tags(item: DemoProduct) -> list[str]:
    top = item.category.parent.name if item.category.parent else item.category.name
    tags = [top]
    if item.months:
        tags.append("应季鲜品")
    if item.category.name in HERITAGE:
        tags.append("非遗手作")
    if "礼盒" in item.name or any("礼盒" in spec for _code, spec, _price in item.skus):
        tags.append("礼盒")
    if item.partner:
        tags.append("姐妹携手")
    if item.enterprise and item.enterprise.name in {"尚田小莓园", "鸣雁草莓专业合作社"}:
        tags.append("小阿莓")
    return tags


def _create(index: int, item: DemoProduct, villages: dict[int, Village]) -> None:
    top = item.category.parent.name
    origin = item.enterprise.village_id if item.enterprise else item.seller.village_id
    product = services.create_product(
        seller=item.seller,
        category=item.category,
        name=item.name,
        enterprise=item.enterprise,
        unit=item.unit,
        description=f"{villages[origin].name}出品。{DESCRIPTIONS[top]}" if origin else "",
        origin_village=villages.get(origin) if origin else None,
        season_months=months_to_mask([int(m) for m in item.months.split(",")])
        if item.months
        else ALL_MONTHS,
        is_partner_county=item.partner is not None,
        partner_federation=item.partner,
    )
    for offset, (code, spec, price) in enumerate(item.skus):
        sku = services.add_sku(
            product=product,
            spec=spec,
            merchant_code=code,
            price=price,
            stock=_stock(index + offset, item.is_sample),
        )
        for platform, product_id in _listings(index, item):
            services.create_listing(
                sku=sku, platform=platform, platform_product_id=product_id, platform_sku_id=code
            )
    services.set_product_tags(product=product, names=_tags(item))
    status = _status(index, item.is_sample)
    if status != ProductStatus.DRAFT:
        services.set_product_status(product=product, to_status=status, actor=None, reason="demo")
    services.add_product_image(product=product, upload=picture(item.name, top), alt_text=item.name)


# --- Drawing a photo -----------------------------------------------------------------------------


@cache
def _font(size: int) -> ImageFont.FreeTypeFont | None:
    if not CJK_FONT.exists():
        return None
    return ImageFont.truetype(str(CJK_FONT), size)


def _label(name: str) -> str:
    """The photo's caption: the name's first words, short enough to fit."""
    words = name.replace("【赠品】", "").split()
    label = words[0]
    for word in words[1:]:
        if len(label) + len(word) > 7:
            break
        label += word
    return label[:8]


def picture(name: str, top_category: str) -> io.BytesIO:
    """A JPEG of coloured shapes with the product's name, drawn afresh (the same every time)."""
    background, shape, outline = PALETTE.get(top_category, ("#eeeeee", "#888888", "#333333"))
    side = PICTURE_SIDE
    image = Image.new("RGB", (side, side), background)
    draw = ImageDraw.Draw(image)
    seed = int(hashlib.sha256(name.encode()).hexdigest()[:8], 16)
    for number in range(3 + seed % 3):
        radius = 36 + (seed >> number) % 40
        x = 60 + (seed >> (2 * number)) % (side - 120)
        y = 50 + (seed >> (3 * number)) % (side // 2 - 40)
        draw.ellipse((x - radius, y - radius, x + radius, y + radius), fill=shape, outline=outline)
    draw.rounded_rectangle((16, side - 110, side - 16, side - 24), radius=18, fill="white")
    font = _font(_font_size(_label(name)))
    if font is not None:
        draw.text((side // 2, side - 67), _label(name), font=font, fill=outline, anchor="mm")
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=88)
    buffer.seek(0)
    return buffer


def _font_size(label: str) -> int:
    return max(24, min(52, (PICTURE_SIDE - 60) // max(len(label), 1)))
