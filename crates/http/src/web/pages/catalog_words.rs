//! Every visible word of the directory, profile, posting and verification pages, Chinese first
//! and English second (the same `words!` tables as the account pages).

use peitao_domain::Locale;

use super::words::words;

words!(
    /// GET /directory: the three lists, their filters and their entries.
    DirectoryWords {
        title: "企业与供需名录", "Directory";
        intro: "查找零部件企业、供货能力和整车企业的采购需求。输入关键词时按相关度排序。", "Find suppliers, their capabilities and automakers' needs. With search words, the best matches come first.";
        tab_label: "名录内容", "What to list";
        tab_organizations: "企业", "Companies";
        tab_capabilities: "供货能力", "Capabilities";
        tab_needs: "采购需求", "Needs";
        filters_heading: "筛选", "Filters";
        q: "关键词", "Search words";
        q_hint: "中文或英文，例如：电池包壳体", "Chinese or English, e.g. battery pack housing";
        kind: "企业类型", "Type of company";
        kind_supplier: "零部件企业", "Parts supplier";
        kind_oem: "整车企业", "Automaker";
        category: "品类（含下级品类）", "Category (with its sub-categories)";
        region: "地区", "Region";
        zone: "经济区", "Economic zone";
        certification: "认证（有效期内）", "Certification (unexpired)";
        verified: "核验", "Verification";
        verified_yes: "仅已核验", "Verified only";
        verified_no: "仅未核验", "Unverified only";
        status: "状态", "Status";
        any: "不限", "Any";
        search: "搜索", "Search";
        reset: "清除筛选", "Clear the filters";
        next_page: "下一页", "Next page";
        none: "没有符合条件的结果。", "Nothing matches these filters.";
        ranked: "按相关度排序。", "Best matches first.";
        newest: "按发布时间排序，最新在前。", "Newest first.";
        verified_badge: "已核验", "Verified";
        unverified_badge: "未核验", "Not verified";
        by: "发布方：", "Posted by: ";
        respond_by: "响应截止：", "Respond by: ";
        capacity: "年产能：", "Annual capacity: ";
        volume: "年需求量：", "Annual volume: ";
        delivery: "交付地：", "Delivery: ";
        lead_time: "交期（天）：", "Lead time (days): ";
    }
);

words!(
    /// GET /organizations/{id}.
    ProfileWords {
        kind_supplier: "零部件企业", "Parts supplier";
        kind_oem: "整车企业", "Automaker";
        verified_badge: "已核验", "Verified";
        unverified_badge: "未核验", "Not verified";
        suspended_badge: "已暂停", "Suspended";
        suspension_reason: "暂停原因", "Why it is suspended";
        details_heading: "企业信息", "Company details";
        region: "所在地区", "Region";
        size: "规模", "Size";
        size_small: "小型", "Small";
        size_medium: "中型", "Medium";
        size_large: "大型", "Large";
        founded: "成立年份", "Founded";
        credit_code: "统一社会信用代码", "Unified social credit code";
        website: "网站", "Website";
        description: "企业简介", "About the company";
        certifications_heading: "认证", "Certifications";
        expires: "有效期至", "valid until";
        expired: "已过期", "expired";
        none_certifications: "暂无认证。", "No certifications recorded.";
        plants_heading: "工厂", "Plants";
        contact_heading: "联系方式", "Contact";
        contact_hidden: "联系方式仅对本企业成员、协会工作人员及双方都表示感兴趣的合作方可见。", "Contacts are shown to the company's members, association staff, and partners once both sides are interested.";
        address: "地址", "Address";
        contact_email: "邮箱", "Email";
        contact_phone: "电话", "Phone";
        capabilities_heading: "已发布的供货能力", "Published capabilities";
        needs_heading: "开放中的采购需求", "Open needs";
        none_postings: "暂无。", "None yet.";
        back: "返回名录", "Back to the directory";
    }
);

words!(
    /// /my/capabilities, /my/needs and the forms to post and change them.
    PostingWords {
        my_capabilities: "我的供货能力", "My capabilities";
        my_needs: "我的采购需求", "My needs";
        new_capability: "发布供货能力", "Post a capability";
        new_need: "发布采购需求", "Post a need";
        edit_capability: "修改供货能力", "Edit the capability";
        edit_need: "修改采购需求", "Edit the need";
        edit: "修改", "Edit";
        view_matches: "查看匹配", "See matches";
        archive: "归档", "Archive";
        close: "关闭需求", "Close the need";
        published: "已发布", "Published";
        draft: "草稿", "Draft";
        archived: "已归档", "Archived";
        open: "开放中", "Open";
        closed: "已关闭", "Closed";
        expired: "已过期", "Expired";
        none: "还没有内容。", "Nothing here yet.";
        saved: "已保存。", "Saved.";
        archived_notice: "已归档：它不再出现在名录和匹配中。", "Archived: it no longer appears in the directory or in matching.";
        closed_notice: "需求已关闭。", "The need is closed.";
        only_suppliers: "只有零部件企业的成员可以发布供货能力。", "Only a parts supplier's members post capabilities.";
        only_oems: "只有整车企业的成员可以发布采购需求。", "Only an automaker's members post needs.";
        category: "品类", "Category";
        category_hint: "选最具体的一级；匹配也会考虑上下级品类。", "Pick the most specific level; matching also considers broader and narrower ones.";
        choose: "请选择", "Choose";
        title: "标题", "Title";
        description: "说明", "Description";
        products: "产品（每行一个）", "Products (one per line)";
        processes: "工艺（每行一个）", "Processes (one per line)";
        annual_capacity: "年产能", "Annual capacity";
        unit: "单位", "Unit";
        unit_hint: "例如：套、件、台", "e.g. sets, pieces, units";
        min_order_qty: "最小起订量", "Minimum order quantity";
        lead_time_days: "交期（天）", "Lead time (days)";
        served_regions: "服务地区", "Regions served";
        served_regions_hint: "不选表示全国。", "None chosen means nationwide.";
        status: "状态", "Status";
        status_published: "发布", "Publish";
        status_draft: "保存为草稿", "Keep as a draft";
        plant: "交付工厂", "Delivery plant";
        plant_hint: "选择本企业的工厂时，交付地区就是工厂所在地区，下面的地区不再使用。", "With one of your plants chosen, the delivery region is the plant's, and the region below is not used.";
        no_plant: "不指定工厂（按下面的地区交付）", "No plant (deliver to the region below)";
        delivery_region: "交付地区", "Delivery region";
        delivery_region_hint: "先选省，再选市和区县；不用脚本时按“更新地区选项”。", "Choose the province, then the city and district; without script, press “Update the region choices”.";
        province: "省级", "Province";
        city: "市级", "City";
        district: "区县", "District";
        refresh_regions: "更新地区选项", "Update the region choices";
        annual_volume: "年需求量", "Annual volume";
        sop_date: "量产日期（SOP）", "Start of production (SOP)";
        respond_by: "响应截止日期", "Respond by";
        required_certifications: "要求的认证", "Required certifications";
        target_price: "目标价（元，仅本企业和协会可见）", "Target price (yuan; only your company and staff see it)";
        save: "保存", "Save";
        cancel: "返回列表", "Back to the list";
    }
);

words!(
    /// GET /staff/organizations and its buttons.
    StaffWords {
        title: "企业核验", "Verification queue";
        intro: "未核验的企业，最早注册的在前。核验、暂停和恢复都会记入审计日志。", "Unverified companies, oldest first. Verifying, suspending and reinstating are all written to the audit log.";
        unverified_heading: "待核验", "Waiting for verification";
        suspended_heading: "已暂停", "Suspended";
        none: "没有待处理的企业。", "Nothing is waiting.";
        registered: "注册时间：", "Registered: ";
        verify: "核验通过", "Verify";
        suspend: "暂停", "Suspend";
        reason: "暂停原因", "Reason for the suspension";
        reinstate: "恢复", "Reinstate";
        done: "已完成。", "Done.";
    }
);
