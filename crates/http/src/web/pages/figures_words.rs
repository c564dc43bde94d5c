//! Every visible word of the association's figures pages (dashboard and gap map), Chinese first
//! and English second.

use peitao_domain::Locale;

use super::words::words;

words!(
    /// The figures pages.
    FiguresWords {
        dashboard_title: "本地配套看板", "Local supply dashboard";
        dashboard_intro: "本地配套率：在本经济区交付、已由协会确认合作意向的需求中，供应商也在本区的比例。潜在配套率：本区开放需求中，区内至少有一家符合条件供应商的比例。", "Confirmed local supply rate: of the confirmed intentions on needs delivered into the zone, the share whose supplier sits in the zone. Potential rate: of the zone's open needs, the share with at least one qualified supplier in the zone.";
        zone: "经济区", "Zone";
        show: "查看", "Show";
        confirmed_rate: "本地配套率（已确认）", "Confirmed local supply rate";
        potential_rate: "潜在本地配套率", "Potential local supply rate";
        of_total: "{of} / {total}", "{of} of {total}";
        no_data: "暂无数据", "no data yet";
        by_month: "按月份（确认时间）", "By month (when confirmed)";
        by_category: "按品类", "By category";
        month: "月份", "Month";
        category: "品类", "Category";
        confirmed_local: "本地 / 已确认意向", "Local / confirmed";
        rate: "比例", "Rate";
        open_local: "有本地供应 / 开放需求", "With local supply / open";
        download_csv: "下载 CSV", "Download CSV";
        chart_months: "各月已确认合作意向中本地配套的比例", "Share of confirmed intentions supplied locally, by month";
        chart_categories: "各品类开放需求中有本地供应的比例", "Share of open needs with local supply, by category";
        gaps_title: "产业链缺口图", "Chain-gap map";
        gaps_intro: "每格：开放需求数 / 区内符合条件的供应商数。红色为缺口：有需求而区内没有供应，即“缺什么、招什么”。", "Each cell: open needs / qualified suppliers in the zone. Red marks a gap: demand with no local supply — what the zone should attract.";
        gap: "缺口", "Gap";
        legend: "图例", "Legend";
        legend_gap: "缺口：有需求、无本地供应", "Gap: demand, no local supply";
        legend_tight: "供应紧张：每家供应商对应 2 个以上需求", "Tight: more than 2 needs per supplier";
        legend_ok: "有本地供应", "Local supply";
        legend_none: "无需求", "No demand";
        dashboard_link: "本地配套看板", "Dashboard";
        gaps_link: "产业链缺口图", "Gap map";
    }
);
