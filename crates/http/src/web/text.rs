//! Every visible string of the web pages, once in Chinese and once in English.
//! Templates never hold prose; they read one of these tables, chosen by the request's `Locale`.

use peitao_domain::Locale;

/// A titled paragraph: an audience, a step of the flow, a cluster.
#[derive(Debug)]
pub struct Card {
    pub title: &'static str,
    pub body: &'static str,
}

/// The words of the layout around every page.
#[derive(Debug)]
pub struct LayoutText {
    /// The product's name; it reads "配套 Peitao" in both languages on purpose.
    pub site_name: &'static str,
    pub home_label: &'static str,
    pub lang_label: &'static str,
    pub skip_link: &'static str,
    pub footer_note: &'static str,
    pub footer_nav_label: &'static str,
    pub api_docs: &'static str,
    pub health: &'static str,
    /// The site navigation under the header.
    pub site_nav_label: &'static str,
    pub directory: &'static str,
    pub my_capabilities: &'static str,
    pub my_needs: &'static str,
    pub staff_queue: &'static str,
    pub my_matches: &'static str,
    pub match_queue: &'static str,
    pub dashboard: &'static str,
    pub imports: &'static str,
    pub events: &'static str,
}

/// The home page.
#[derive(Debug)]
pub struct HomeText {
    pub title: &'static str,
    pub heading: &'static str,
    pub lead: &'static str,
    pub see_flow: &'static str,
    pub see_clusters: &'static str,
    pub see_directory: &'static str,
    pub audiences_heading: &'static str,
    pub audiences: &'static [Card],
    pub flow_heading: &'static str,
    pub flow_intro: &'static str,
    pub steps: &'static [Card],
    pub clusters_heading: &'static str,
    pub clusters_intro: &'static str,
    pub clusters: &'static [Card],
    pub privacy_heading: &'static str,
    pub privacy_body: &'static str,
}

/// The page for a path that leads nowhere.
#[derive(Debug)]
pub struct NotFoundText {
    pub title: &'static str,
    pub heading: &'static str,
    pub body: &'static str,
    pub back_home: &'static str,
}

/// The page shown when rendering itself failed.
#[derive(Debug)]
pub struct ServerErrorText {
    pub body: &'static str,
}

impl LayoutText {
    #[must_use]
    pub fn for_locale(locale: Locale) -> &'static LayoutText {
        match locale {
            Locale::ZhCn => &LAYOUT_ZH,
            Locale::En => &LAYOUT_EN,
        }
    }
}

impl HomeText {
    #[must_use]
    pub fn for_locale(locale: Locale) -> &'static HomeText {
        match locale {
            Locale::ZhCn => &HOME_ZH,
            Locale::En => &HOME_EN,
        }
    }
}

impl NotFoundText {
    #[must_use]
    pub fn for_locale(locale: Locale) -> &'static NotFoundText {
        match locale {
            Locale::ZhCn => &NOT_FOUND_ZH,
            Locale::En => &NOT_FOUND_EN,
        }
    }
}

impl ServerErrorText {
    #[must_use]
    pub fn for_locale(locale: Locale) -> &'static ServerErrorText {
        match locale {
            Locale::ZhCn => &SERVER_ERROR_ZH,
            Locale::En => &SERVER_ERROR_EN,
        }
    }
}

const SITE_NAME: &str = "配套 Peitao";

static LAYOUT_ZH: LayoutText = LayoutText {
    site_name: SITE_NAME,
    home_label: "配套首页",
    lang_label: "语言",
    skip_link: "跳到正文",
    footer_note: "配套平台由各地汽车行业协会和产业联盟秘书处运营。本站所有页面、样式和数据都由平台自身提供，不依赖境外或第三方服务。",
    footer_nav_label: "站点信息",
    api_docs: "API 文档",
    health: "运行状态",
    site_nav_label: "主导航",
    directory: "企业与供需名录",
    my_capabilities: "我的供货能力",
    my_needs: "我的采购需求",
    staff_queue: "企业核验",
    my_matches: "我的匹配",
    match_queue: "匹配审核",
    dashboard: "本地配套看板",
    imports: "名单导入",
    events: "对接活动",
};

static LAYOUT_EN: LayoutText = LayoutText {
    site_name: SITE_NAME,
    home_label: "Peitao home",
    lang_label: "Language",
    skip_link: "Skip to content",
    footer_note: "Peitao is run by regional automotive industry associations and alliance secretariats. Every page, style and record on this site is served by the platform itself, with no third-party or foreign services.",
    footer_nav_label: "About this site",
    api_docs: "API documentation",
    health: "Service status",
    site_nav_label: "Main navigation",
    directory: "Directory",
    my_capabilities: "My capabilities",
    my_needs: "My needs",
    staff_queue: "Verification queue",
    my_matches: "My matches",
    match_queue: "Match moderation",
    dashboard: "Dashboard",
    imports: "Imports",
    events: "Events",
};

static HOME_ZH: HomeText = HomeText {
    title: "汽车零部件供需对接平台",
    heading: "配套 · 汽车零部件供需对接平台",
    lead: "让零部件企业和整车企业在本地找到彼此。企业发布供货能力和采购需求，平台按品类、距离、产能和资质给出有理有据的推荐，经行业协会审核后推送给双方；双方都有意向，才交换联系方式。",
    see_flow: "了解对接流程",
    see_clusters: "服务的产业集群",
    see_directory: "查看企业与供需名录",
    audiences_heading: "为谁服务",
    audiences: &[
        Card {
            title: "零部件企业",
            body: "注册并完成企业认证，发布可供的产品、工艺、年产能和交付周期。出现匹配的采购需求时，平台按你的设置发邮件提醒；双方都表示有意向后，即可看到采购方的联系方式。",
        },
        Card {
            title: "整车企业",
            body: "按交付工厂所在地发布采购需求，写明品类、年需求量、SOP 日期和资质要求。平台列出排好序的供应商，每一项得分都有说明；目标价格只有你和协会工作人员能看到。",
        },
        Card {
            title: "行业协会",
            body: "核验企业资质，审核每一条推荐，批量导入会员名录；在看板上跟踪本地配套率，并从“缺什么、招什么”的产业链缺口清单中找到招商方向。",
        },
    ],
    flow_heading: "对接流程",
    flow_intro: "从注册到签下合作意向，一共五步。每一步都留有记录，协会随时可以查看。",
    steps: &[
        Card {
            title: "注册并认证",
            body: "企业用邮箱注册，填写统一社会信用代码、所在地区和在有效期内的资质证书；协会核验后，企业获得认证标识。",
        },
        Card {
            title: "发布能力与需求",
            body: "零部件企业发布供货能力，整车企业发布采购需求。可以先存为草稿，确认无误后再公开。",
        },
        Card {
            title: "排序推荐，理由清楚",
            body: "平台综合品类吻合度、到交付工厂的距离（同一经济区即为本地）、产能、文本相关度、认证情况和以往响应速度打分排序，并逐项列出得分。",
        },
        Card {
            title: "协会审核",
            body: "每条推荐先进入审核队列，由协会工作人员批准，或写明理由后驳回。批准后，平台通过站内消息和邮件通知双方。",
        },
        Card {
            title: "互有意向，交换联系方式",
            body: "双方都表示感兴趣后，联系方式才向彼此公开。达成的合作意向经协会确认后，计入本地配套率。",
        },
    ],
    clusters_heading: "服务的产业集群",
    clusters_intro: "平台面向以下汽车产业集群，任何地区的行业协会也都可以自行部署运营。",
    clusters: &[
        Card {
            title: "成渝地区双城经济圈",
            body: "川渝两地共建汽车产业链，目标是到 2027 年成渝地区本地配套率合计达到 70%；重庆计划累计新增 800 家智能网联新能源汽车零部件企业。",
        },
        Card {
            title: "武汉“中国车谷”",
            body: "以武汉经开区为核心推进“零整比提升计划”，目标是到 2025 年零部件与整车产值之比（零整比）达到 0.8 : 1。",
        },
        Card {
            title: "武襄十随",
            body: "武汉、襄阳、十堰、随州组成的国家级汽车产业集群，整车与零部件企业沿线分布，就近配套的空间很大。",
        },
    ],
    privacy_heading: "信息只给该看的人",
    privacy_body: "联系方式在双方互有意向后才公开，目标价格只对发布方和协会可见；所有状态变更都记入审计日志。",
};

static HOME_EN: HomeText = HomeText {
    title: "Pairing auto-parts suppliers with automakers",
    heading: "Peitao — pairing auto-parts suppliers with automakers",
    lead: "Peitao helps parts makers and automakers in the same region find each other. Companies post what they can make and what they need; the platform recommends pairings ranked by category, distance, capacity and certification, with the reasons shown. Industry association staff review every recommendation before either side sees it, and contact details are exchanged only when both sides are interested.",
    see_flow: "How pairing works",
    see_clusters: "Clusters we serve",
    see_directory: "Browse the directory",
    audiences_heading: "Who it is for",
    audiences: &[
        Card {
            title: "Parts suppliers",
            body: "Register and verify your company, then post the products, processes, annual capacity and lead times you offer. When a matching procurement need appears you are told by email, as often as you choose; once both sides are interested, you see the buyer's contact.",
        },
        Card {
            title: "Automakers (OEMs)",
            body: "Post procurement needs for a plant: category, annual volume, SOP date and required certifications. You get suppliers ranked by score, with every factor explained. Your target price is visible only to you and association staff.",
        },
        Card {
            title: "Industry associations",
            body: "Verify companies, review every recommendation and import member rosters in bulk. Track the local supply rate on the dashboard and use the supply-chain gap list (\"what is missing, whom to attract\") to guide investment promotion.",
        },
    ],
    flow_heading: "How pairing works",
    flow_intro: "Five steps from registration to a signed cooperation intention. Each step is recorded, and association staff can see all of it.",
    steps: &[
        Card {
            title: "Register and get verified",
            body: "A company signs up with an email address and enters its unified social credit code, its region and its current certifications. Once association staff check them, the company carries a verified badge.",
        },
        Card {
            title: "Post capabilities and needs",
            body: "Suppliers post what they can supply; automakers post what they need to buy. Either can be kept as a draft until it is ready to publish.",
        },
        Card {
            title: "Ranked matches, with reasons",
            body: "The platform scores each pairing on category fit, distance to the delivery plant (the same economic zone counts as local), capacity, text relevance, verification and past responsiveness, and shows every factor.",
        },
        Card {
            title: "Association review",
            body: "Every proposed match waits in a moderation queue until association staff approve it or reject it with a reason. On approval, both sides are notified in the app and by email.",
        },
        Card {
            title: "Mutual interest reveals contacts",
            body: "Contact details are shown only after both sides say they are interested. Cooperation intentions, once confirmed by the association, count toward the local supply rate.",
        },
    ],
    clusters_heading: "Clusters we serve",
    clusters_intro: "Peitao is built for these automotive clusters, and any regional industry association can run its own instance.",
    clusters: &[
        Card {
            title: "Chengdu–Chongqing Economic Circle",
            body: "Sichuan and Chongqing are building one automotive supply chain, aiming for a combined local supply rate of 70% by 2027; Chongqing plans to add 800 new intelligent and electric-vehicle parts companies.",
        },
        Card {
            title: "Wuhan \"China Car Valley\"",
            body: "Centred on the Wuhan Economic and Technological Development Zone, its parts-ratio plan aims for parts output worth 0.8 times vehicle output (0.8 : 1) by 2025.",
        },
        Card {
            title: "Wuhan–Xiangyang–Shiyan–Suizhou",
            body: "A national automotive cluster along the Wuhan, Xiangyang, Shiyan and Suizhou corridor, where automakers and parts makers sit close enough to supply each other.",
        },
    ],
    privacy_heading: "Information only for those who should see it",
    privacy_body: "Contacts are revealed only after mutual interest, target prices only to their owner and association staff, and every change of state is written to an audit log.",
};

static NOT_FOUND_ZH: NotFoundText = NotFoundText {
    title: "页面不存在",
    heading: "找不到这个页面",
    body: "你要访问的页面不存在，可能已被移动或删除，也可能是链接有误。",
    back_home: "返回首页",
};

static NOT_FOUND_EN: NotFoundText = NotFoundText {
    title: "Page not found",
    heading: "We could not find that page",
    body: "The page you asked for does not exist. It may have moved or been removed, or the link may be wrong.",
    back_home: "Back to the home page",
};

static SERVER_ERROR_ZH: ServerErrorText = ServerErrorText {
    body: "页面暂时无法显示，请稍后再试。",
};

static SERVER_ERROR_EN: ServerErrorText = ServerErrorText {
    body: "This page cannot be shown right now. Please try again later.",
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn home_heading_names_the_product_in_each_language() {
        assert!(HomeText::for_locale(Locale::ZhCn).heading.contains("配套"));
        assert!(HomeText::for_locale(Locale::En).heading.contains("Peitao"));
    }

    #[test]
    fn both_languages_tell_the_same_number_of_things() {
        let (zh, en) = (
            HomeText::for_locale(Locale::ZhCn),
            HomeText::for_locale(Locale::En),
        );
        assert_eq!(zh.audiences.len(), en.audiences.len());
        assert_eq!(zh.steps.len(), en.steps.len());
        assert_eq!(zh.clusters.len(), en.clusters.len());
    }
}
