"""The words of Pufa's demo content: columns, articles, ads, taxonomy.

Written for this project as plausible legal-education copy. Law citations
name real laws and quote short, well-known sentences of them; they are
demonstration material, not legal advice.
"""

TOPICS = [
    ("宪法", "xianfa", "国家的根本法，规定国家的根本制度和公民的基本权利义务。"),
    ("民法典", "minfadian", "社会生活的百科全书：物权、合同、人格权、婚姻家庭、继承、侵权责任。"),
    ("劳动与就业", "laodong", "劳动合同、工资工时、社会保险与劳动争议。"),
    ("消费者权益", "xiaofeizhe", "网购退货、价格欺诈、食品安全与消费维权。"),
    ("未成年人保护", "weichengnianren", "家庭、学校、社会、网络、政府和司法保护。"),
    ("国家安全", "guojiaanquan", "总体国家安全观与公民维护国家安全的义务。"),
    ("网络安全与个人信息", "wangluoanquan", "个人信息保护、反电信网络诈骗与网络空间治理。"),
    ("知识产权", "zhishichanquan", "著作权、商标、专利与商业秘密。"),
]

AUDIENCES = [
    ("青少年", "qingshaonian"),
    ("老年人", "laonianren"),
    ("新就业形态劳动者", "xinjiuye"),
    ("企业经营者", "qiye"),
    ("社区居民", "shequ"),
]

# (name, slug, description, recurring start, end, lead days, {year: (start, end)})
CAMPAIGNS = [
    ("国家宪法日", "xianfari", "每年12月4日为国家宪法日，弘扬宪法精神，维护宪法权威。",
     "12-04", "12-04", 3, {}),
    ("宪法宣传周", "xianfazhou", "围绕国家宪法日开展的集中宣传活动。",
     "12-01", "12-07", 0, {}),
    ("全民国家安全教育日", "guoanri", "每年4月15日，增强全民国家安全意识。",
     "04-15", "04-15", 3, {}),
    ("消费者权益保护日", "315", "3·15，学习消费维权知识，守护放心消费。",
     "03-15", "03-15", 3, {}),
    ("知识产权宣传周", "zhichanzhou", "4月26日世界知识产权日前后的一周集中宣传。",
     "04-20", "04-26", 0, {}),
    ("民法典宣传月", "minfadianyue", "每年5月，让民法典走到群众身边、走进群众心里。",
     "05-01", "05-31", 0, {}),
    ("国家网络安全宣传周", "wangan", "网络安全为人民，网络安全靠人民；日期每年公布。",
     "", "", 0, {2026: ("2026-09-14", "2026-09-20")}),
]

# Columns: (title, slug, intro, colour for drawn covers).
COLUMNS = [
    ("宪法学习", "xianfa-xuexi", "学宪法、讲宪法、守宪法，读懂国家根本法。", (163, 22, 27)),
    ("民法典进万家", "minfadian", "从出生到身后，民法典护佑每个人的一生。", (26, 95, 140)),
    ("以案说法", "yian-shuofa", "以真实类型案例讲清法律规则，提醒风险。", (125, 70, 15)),
    ("青少年普法", "qingshaonian", "陪伴青少年健康成长，学会用法律保护自己。", (46, 120, 70)),
]

# Articles: column slug, slug, kind, title, subtitle, summary, paragraphs,
# citation (law, article, text) or None, topics, audiences, campaigns, tags,
# extra channel fields.
ARTICLES = [
    {
        "column": "xianfa-xuexi", "slug": "xianfa-shi-genbenfa", "kind": "explainer",
        "title": "为什么说宪法是国家的根本法",
        "subtitle": "国家宪法日特稿",
        "summary": "宪法规定国家的根本制度和根本任务，具有最高的法律效力，"
                   "一切法律、行政法规和地方性法规都不得同宪法相抵触。",
        "paragraphs": [
            "宪法是国家的根本法，是治国安邦的总章程。它规定了国家的根本制度、根本任务，"
            "规定了国家机关的组织和职权，也规定了公民的基本权利和义务。",
            "正因为宪法处在法律体系的顶端，其他法律都要以宪法为依据制定。"
            "全国人民代表大会常务委员会负责解释宪法、监督宪法的实施，这就是合宪性审查的制度基础。",
            "每年的国家宪法日，各地都会开展宪法宣誓、宪法晨读等活动，"
            "目的就是让宪法从文本走进日常生活。",
        ],
        "citation": ("中华人民共和国宪法", "第五条", "中华人民共和国实行依法治国，建设社会主义法治国家。"),
        "topics": ["xianfa"], "audiences": ["shequ"], "campaigns": ["xianfari", "xianfazhou"],
        "tags": ["国家宪法日", "依法治国"],
        "channels": {"to_wechat": True, "wechat_title": "宪法为什么是根本法？三分钟读懂",
                     "wechat_digest": "国家宪法日到了，一起读懂宪法的地位和作用。",
                     "to_screens": True, "screen_caption": "学习宪法 尊崇宪法 维护宪法"},
    },
    {
        "column": "xianfa-xuexi", "slug": "gongmin-jiben-quanli", "kind": "explainer",
        "title": "宪法里的公民基本权利，你了解多少",
        "subtitle": "", "summary": "平等权、选举权、宗教信仰自由、人身自由、受教育权……"
                                    "宪法为每个公民列出了一张权利清单。",
        "paragraphs": [
            "宪法第二章专门规定公民的基本权利和义务。中华人民共和国公民在法律面前一律平等，"
            "年满十八周岁的公民，除依法被剥夺政治权利的以外，都有选举权和被选举权。",
            "权利和义务是统一的。宪法同样规定了公民维护国家统一、遵守宪法和法律、依法纳税等义务。"
            "享有权利的同时履行义务，是法治社会对每个人的要求。",
        ],
        "citation": ("中华人民共和国宪法", "第三十三条", "国家尊重和保障人权。"),
        "topics": ["xianfa"], "audiences": ["qingshaonian", "shequ"], "campaigns": ["xianfari"],
        "tags": ["基本权利"], "channels": {},
    },
    {
        "column": "xianfa-xuexi", "slug": "xianfa-xuanshi", "kind": "news",
        "title": "多地举行宪法宣誓仪式 新任国家工作人员庄严承诺",
        "subtitle": "", "summary": "宪法宣传周期间，多地组织新任命的国家工作人员进行宪法宣誓，"
                                    "以仪式感增强宪法意识。",
        "paragraphs": [
            "宪法宣传周期间，多地人大常委会组织新任命的国家工作人员举行宪法宣誓仪式。"
            "宣誓人左手抚按宪法，右手举拳，诵读誓词。",
            "宪法宣誓制度自二〇一六年起实施，是国家工作人员就职时的一项重要程序，"
            "体现了对宪法的尊崇和对人民的承诺。",
        ],
        "citation": None,
        "topics": ["xianfa"], "audiences": [], "campaigns": ["xianfazhou"],
        "tags": ["宪法宣誓", "国家宪法日"],
        "channels": {"to_newspaper": True, "newspaper_headline": "多地举行宪法宣誓仪式",
                     "newspaper_deck": "新任国家工作人员左手抚按宪法庄严承诺，宪法意识在仪式中入脑入心。"},
    },
    {
        "column": "xianfa-xuexi", "slug": "xianfa-wenda-xiugai", "kind": "qa",
        "title": "问答：宪法可以修改吗？修改要经过什么程序",
        "subtitle": "", "summary": "宪法可以修改，但程序比普通法律更严格，"
                                    "须由全国人民代表大会以全体代表的三分之二以上多数通过。",
        "paragraphs": [
            "问：宪法是根本法，它能被修改吗？",
            "答：能。宪法的修改由全国人民代表大会常务委员会或者五分之一以上的全国人民代表大会代表提议，"
            "并由全国人民代表大会以全体代表的三分之二以上的多数通过。普通法律只需要过半数通过，"
            "宪法修改的门槛明显更高，这正是为了保持宪法的稳定和权威。",
        ],
        "citation": None,
        "topics": ["xianfa"], "audiences": ["qingshaonian"], "campaigns": [],
        "tags": ["宪法修改"], "channels": {},
    },
    {
        "column": "minfadian", "slug": "juzhuquan", "kind": "explainer",
        "title": "民法典里的居住权：老人养老、离婚安置多了新选择",
        "subtitle": "把房子的“住”和“有”分开",
        "summary": "居住权是民法典新设立的用益物权，当事人可以通过合同或遗嘱设立，"
                   "需要到不动产登记机构办理登记后才设立。",
        "paragraphs": [
            "张大爷想把房子留给儿子，又担心自己晚年没有住处。民法典施行后，"
            "他可以在把房屋过户给儿子的同时，为自己设立居住权，安心住到百年之后。",
            "居住权原则上无偿设立，不得转让、继承；设立居住权的住宅一般不得出租，"
            "但当事人另有约定的除外。居住权期限届满或者居住权人死亡的，居住权消灭。",
            "需要提醒的是，居住权自登记时设立。只签合同不去登记，居住权并没有真正设立。",
        ],
        "citation": ("中华人民共和国民法典", "第三百六十六条",
                     "居住权人有权按照合同约定，对他人的住宅享有占有、使用的用益物权，以满足生活居住的需要。"),
        "topics": ["minfadian"], "audiences": ["laonianren"], "campaigns": ["minfadianyue"],
        "tags": ["居住权", "养老"],
        "channels": {"to_wechat": True, "wechat_title": "房子给了子女，老人还能住吗？",
                     "wechat_digest": "民法典居住权：过户之后依然可以安心居住，但一定要去登记。"},
    },
    {
        "column": "minfadian", "slug": "gaokong-paowu", "kind": "explainer",
        "title": "高空抛物伤了人，找不到是谁扔的怎么办",
        "subtitle": "", "summary": "民法典明确禁止从建筑物中抛掷物品；难以确定具体侵权人时，"
                                    "可能加害的建筑物使用人给予补偿，物业也要承担安全保障义务。",
        "paragraphs": [
            "“头顶上的安全”一直是城市居民关心的话题。民法典对高空抛物、坠物作了系统规定。",
            "经调查难以确定具体侵权人的，除能够证明自己不是侵权人的外，由可能加害的建筑物使用人给予补偿。"
            "物业服务企业等建筑物管理人应当采取必要的安全保障措施，未采取的应当依法承担未履行安全保障义务的侵权责任。",
            "公安等机关应当依法及时调查，查清责任人。高空抛物情节严重的，还可能构成高空抛物罪。",
        ],
        "citation": ("中华人民共和国民法典", "第一千二百五十四条", "禁止从建筑物中抛掷物品。"),
        "topics": ["minfadian"], "audiences": ["shequ"], "campaigns": ["minfadianyue"],
        "tags": ["高空抛物", "物业"],
        "channels": {"to_screens": True, "screen_caption": "高空抛物害人害己 头顶安全人人有责"},
    },
    {
        "column": "minfadian", "slug": "lihun-lengjingqi", "kind": "qa",
        "title": "问答：离婚冷静期是怎么回事",
        "subtitle": "", "summary": "协议离婚申请后有三十日冷静期，期间任何一方不愿离婚可以撤回申请；"
                                    "诉讼离婚不适用冷静期。",
        "paragraphs": [
            "问：听说现在离婚要先“冷静”一个月？",
            "答：民法典规定，自婚姻登记机关收到离婚登记申请之日起三十日内，任何一方不愿意离婚的，"
            "可以撤回申请。期满后三十日内，双方应当亲自到婚姻登记机关申请发给离婚证；未申请的，视为撤回离婚登记申请。",
            "问：遭受家庭暴力也要等冷静期吗？答：冷静期只适用于到民政部门的协议离婚。"
            "遭受家庭暴力的，可以直接向法院起诉离婚，并可以申请人身安全保护令。",
        ],
        "citation": ("中华人民共和国民法典", "第一千零七十七条",
                     "自婚姻登记机关收到离婚登记申请之日起三十日内，任何一方不愿意离婚的，可以向婚姻登记机关撤回离婚登记申请。"),
        "topics": ["minfadian"], "audiences": ["shequ"], "campaigns": ["minfadianyue"],
        "tags": ["婚姻家庭", "离婚冷静期"], "channels": {},
    },
    {
        "column": "minfadian", "slug": "jianyi-yongwei", "kind": "explainer",
        "title": "好心救人反被索赔？民法典为见义勇为撑腰",
        "subtitle": "", "summary": "因自愿实施紧急救助行为造成受助人损害的，救助人不承担民事责任。",
        "paragraphs": [
            "路人突发疾病，热心群众实施心肺复苏时不慎压断肋骨，会不会被要求赔偿？"
            "民法典给出了明确答案：自愿实施紧急救助造成受助人损害的，救助人不承担民事责任。",
            "这条被称为“好人条款”的规定，目的在于鼓励善意救助，让人们敢于出手、乐于助人。",
        ],
        "citation": ("中华人民共和国民法典", "第一百八十四条",
                     "因自愿实施紧急救助行为造成受助人损害的，救助人不承担民事责任。"),
        "topics": ["minfadian"], "audiences": ["shequ", "qingshaonian"], "campaigns": [],
        "tags": ["见义勇为", "好人条款"],
        "channels": {"to_wechat": True, "wechat_title": "救人反被索赔？民法典说：不担责",
                     "wechat_digest": "民法典“好人条款”为见义勇为撑腰，让善意救助没有后顾之忧。"},
    },
    {
        "column": "minfadian", "slug": "renge-quan-xiaoxiang", "kind": "explainer",
        "title": "AI 换脸、P 图恶搞，可能侵犯肖像权",
        "subtitle": "", "summary": "任何组织或者个人不得以丑化、污损，或者利用信息技术手段伪造等方式侵害他人的肖像权。",
        "paragraphs": [
            "用 AI 把别人的脸换到视频里、把朋友的照片做成恶搞表情包发到群里，看似好玩，却可能构成侵权。",
            "民法典人格权编明确，未经肖像权人同意，不得制作、使用、公开肖像权人的肖像，"
            "利用信息技术手段伪造他人肖像同样被禁止。受害人可以要求停止侵害、赔礼道歉并赔偿损失。",
        ],
        "citation": None,
        "topics": ["minfadian", "wangluoanquan"], "audiences": ["qingshaonian"], "campaigns": [],
        "tags": ["肖像权", "人工智能"], "channels": {},
    },
    {
        "column": "yian-shuofa", "slug": "shiyongqi-jiechu", "kind": "case",
        "title": "试用期被随意辞退？法院：用人单位需证明不符合录用条件",
        "subtitle": "一起劳动争议案例评析",
        "summary": "试用期不是“随时走人期”。用人单位以不符合录用条件为由解除劳动合同，"
                   "须事先明确录用条件并举证证明。",
        "paragraphs": [
            "小李入职一家科技公司，约定三年劳动合同、试用期六个月。第五个月时，"
            "公司口头通知他“试用期不合格”，当天就让他离职。小李申请劳动仲裁后又诉至法院。",
            "法院审理认为，三年以上固定期限劳动合同的试用期最长可以约定六个月，期限本身合法；"
            "但公司既没有在入职时告知具体录用条件，也拿不出小李不符合条件的证据，属于违法解除，"
            "应当依法支付赔偿金。",
            "法官提示：劳动者遇到类似情况要保存劳动合同、考勤和沟通记录；"
            "用人单位应当把录用条件写清楚、考核过程留好痕。",
        ],
        "citation": ("中华人民共和国劳动合同法", "第十九条",
                     "劳动合同期限三个月以上不满一年的，试用期不得超过一个月；劳动合同期限一年以上不满三年的，试用期不得超过二个月。"),
        "topics": ["laodong"], "audiences": ["xinjiuye", "qiye"], "campaigns": [],
        "tags": ["试用期", "劳动争议"],
        "channels": {"to_wechat": True, "wechat_title": "试用期被辞退？公司得拿出证据",
                     "wechat_digest": "试用期不是“随时走人期”，违法解除要赔偿。",
                     "to_newspaper": True, "newspaper_headline": "试用期辞退须有据 违法解除应赔偿",
                     "newspaper_deck": "法院认定用人单位未明确录用条件即解除劳动合同属违法解除。"},
    },
    {
        "column": "yian-shuofa", "slug": "wei-qian-hetong", "kind": "case",
        "title": "工作半年没签劳动合同，能要求双倍工资吗",
        "subtitle": "", "summary": "用人单位自用工之日起超过一个月不满一年未订立书面劳动合同的，应当每月支付二倍工资。",
        "paragraphs": [
            "王师傅在一家装修公司干了半年，公司一直以“试试看”为由不签劳动合同。离职后，"
            "王师傅要求公司支付未签合同期间的二倍工资差额。",
            "仲裁委员会支持了王师傅的请求：从用工满一个月的次日起，到离职之日止，"
            "公司应当每月额外支付一倍工资。需要注意，主张二倍工资差额受仲裁时效限制，要及时维权。",
        ],
        "citation": ("中华人民共和国劳动合同法", "第八十二条",
                     "用人单位自用工之日起超过一个月不满一年未与劳动者订立书面劳动合同的，应当向劳动者每月支付二倍的工资。"),
        "topics": ["laodong"], "audiences": ["xinjiuye"], "campaigns": [],
        "tags": ["劳动合同", "二倍工资"], "channels": {},
    },
    {
        "column": "yian-shuofa", "slug": "wanggou-tuihuo", "kind": "case",
        "title": "网购七日无理由退货，商家说“特价商品不退”合法吗",
        "subtitle": "", "summary": "除法定例外商品外，网购商品自收到之日起七日内可以无理由退货，"
                                    "商家单方声明“特价不退”无效。",
        "paragraphs": [
            "赵女士在网店购买了一件打折外套，收到后觉得不合适申请退货，商家以“特价商品概不退换”拒绝。",
            "消费者权益保护法规定，经营者采用网络等方式销售商品，消费者有权自收到商品之日起七日内退货，"
            "且无需说明理由。定作的、鲜活易腐的、在线下载或者已拆封的数字化商品、交付的报纸期刊等除外。"
            "打折商品不在例外之列，商家的格式条款不能排除消费者的法定权利。",
            "经市场监管部门调解，商家为赵女士办理了退货。退回商品的运费，除另有约定外由消费者承担。",
        ],
        "citation": ("中华人民共和国消费者权益保护法", "第二十五条",
                     "经营者采用网络、电视、电话、邮购等方式销售商品，消费者有权自收到商品之日起七日内退货，且无需说明理由。"),
        "topics": ["xiaofeizhe"], "audiences": ["shequ"], "campaigns": ["315"],
        "tags": ["网购", "七日无理由退货"],
        "channels": {"to_wechat": True, "wechat_title": "“特价不退”？七日无理由退货了解一下",
                     "wechat_digest": "打折商品同样适用七日无理由退货，商家声明无效。",
                     "to_screens": True, "screen_caption": "网购七日无理由退货 依法维权有保障"},
    },
    {
        "column": "yian-shuofa", "slug": "jiage-qizha", "kind": "case",
        "title": "买到假冒商品，可以主张“退一赔三”",
        "subtitle": "", "summary": "经营者提供商品有欺诈行为的，消费者可以要求增加赔偿，金额为价款的三倍，不足五百元的按五百元计算。",
        "paragraphs": [
            "陈先生在商场专柜购买了一块标称进口的手表，后经鉴定为仿冒品。",
            "法院认为，商家以假充真构成欺诈，判决退还货款，并按货款的三倍支付赔偿。"
            "这就是常说的“退一赔三”；如果三倍金额不足五百元，按五百元赔偿。",
            "提示：购物时索要并保存发票、小票和聊天记录，是日后维权最有力的证据。",
        ],
        "citation": ("中华人民共和国消费者权益保护法", "第五十五条",
                     "增加赔偿的金额为消费者购买商品的价款或者接受服务的费用的三倍；增加赔偿的金额不足五百元的，为五百元。"),
        "topics": ["xiaofeizhe"], "audiences": ["shequ", "laonianren"], "campaigns": ["315"],
        "tags": ["消费欺诈", "退一赔三"], "channels": {},
    },
    {
        "column": "yian-shuofa", "slug": "yanglao-pianju", "kind": "case",
        "title": "“免费体检”“高额返利”，警惕针对老年人的养老诈骗",
        "subtitle": "", "summary": "以养老服务、投资“养老项目”、销售“保健品”为名实施诈骗的案件时有发生，"
                                    "老人和子女都要提高警惕。",
        "paragraphs": [
            "刘阿姨被“免费体检”吸引参加讲座，随后被推销每盒上千元的“特效保健品”，"
            "又被劝说投资“养老公寓”承诺年返利百分之二十，几年积蓄化为乌有。",
            "公安机关查明，该团伙以高额回报为诱饵非法吸收资金，主要成员已被依法追究刑事责任。",
            "提醒：凡是承诺保本高收益的“养老项目”都要多问几个为什么；遇到可疑情况，"
            "可以拨打 110 或 12348 公共法律服务热线咨询。",
        ],
        "citation": None,
        "topics": ["xiaofeizhe", "wangluoanquan"], "audiences": ["laonianren"], "campaigns": [],
        "tags": ["养老诈骗", "防骗"],
        "channels": {"to_screens": True, "screen_caption": "高额返利是陷阱 养老钱要守好"},
    },
    {
        "column": "yian-shuofa", "slug": "zhuanzhang-shuadan", "kind": "case",
        "title": "兼职“刷单”先垫钱？这是电信网络诈骗的老套路",
        "subtitle": "", "summary": "所有要求先垫付资金的刷单兼职都是诈骗；出租、出借银行卡和手机卡也可能违法。",
        "paragraphs": [
            "大学生小周在社交平台看到“日结兼职、动动手指赚佣金”的广告，按要求垫付资金刷单，"
            "前两单果然返了钱，第三单垫付五千元后对方失联。",
            "反电信网络诈骗法规定，任何单位和个人不得非法买卖、出租、出借电话卡、银行账户、支付账户。"
            "为了几百元“好处费”把银行卡借给他人，可能沦为诈骗团伙的“工具人”，承担法律责任。",
        ],
        "citation": None,
        "topics": ["wangluoanquan"], "audiences": ["qingshaonian"], "campaigns": ["wangan"],
        "tags": ["刷单诈骗", "反诈"],
        "channels": {"to_wechat": True, "wechat_title": "刷单先垫钱？都是骗局！",
                     "wechat_digest": "“日结兼职”背后的诈骗套路，一次说清。"},
    },
    {
        "column": "yian-shuofa", "slug": "shangbiao-qinquan", "kind": "case",
        "title": "小店用了知名品牌“近似商标”，被判赔偿",
        "subtitle": "", "summary": "在同一种商品上使用与他人注册商标近似、容易导致混淆的商标，构成商标侵权。",
        "paragraphs": [
            "某奶茶店招牌与一知名连锁品牌只差一个字，装修风格也高度相似，被品牌方起诉。",
            "法院认为，被告的标识与原告注册商标构成近似，容易使消费者误认，判决停止使用并赔偿经济损失。"
            "创业者取名之前先做商标检索，可以避免“傍名牌”带来的法律风险。",
        ],
        "citation": None,
        "topics": ["zhishichanquan"], "audiences": ["qiye"], "campaigns": ["zhichanzhou"],
        "tags": ["商标", "傍名牌"], "channels": {},
    },
    {
        "column": "qingshaonian", "slug": "wangluo-youxi", "kind": "explainer",
        "title": "未成年人网络保护：防沉迷不只是限时",
        "subtitle": "", "summary": "未成年人保护法设专章规定网络保护，网络游戏、直播平台都有防沉迷和实名认证义务。",
        "paragraphs": [
            "未成年人保护法专设“网络保护”一章，要求网络产品和服务提供者不得向未成年人提供诱导其沉迷的产品和服务。",
            "网络游戏服务提供者应当要求未成年人以真实身份信息注册登录，并在使用时段、时长、消费等方面作出限制。"
            "家长也要以身作则，引导孩子合理使用网络。",
            "孩子在网上遇到欺凌、诱骗，要第一时间告诉家长或老师，必要时报警。",
        ],
        "citation": None,
        "topics": ["weichengnianren", "wangluoanquan"], "audiences": ["qingshaonian"], "campaigns": [],
        "tags": ["防沉迷", "网络保护"], "channels": {},
    },
    {
        "column": "qingshaonian", "slug": "xiaoyuan-qiling", "kind": "qa",
        "title": "问答：遇到校园欺凌怎么办",
        "subtitle": "", "summary": "学校应当建立学生欺凌防控工作制度；受到欺凌时要及时告诉老师和家长，保存证据。",
        "paragraphs": [
            "问：同学经常起哄、推搡我，还在群里骂我，这算欺凌吗？",
            "答：发生在学生之间，一方蓄意或者恶意通过肢体、语言及网络等手段实施欺压、侮辱，"
            "造成另一方人身伤害、财产损失或者精神损害的，都属于学生欺凌。",
            "问：我该怎么做？答：不要独自忍受，及时告诉老师和家长；保存聊天截图等证据；"
            "情节严重的，学校应当向公安机关、教育行政部门报告。",
        ],
        "citation": None,
        "topics": ["weichengnianren"], "audiences": ["qingshaonian"], "campaigns": [],
        "tags": ["校园欺凌"],
        "channels": {"to_screens": True, "screen_caption": "拒绝校园欺凌 共建平安校园"},
    },
    {
        "column": "qingshaonian", "slug": "guojia-anquan-qingshaonian", "kind": "explainer",
        "title": "青少年也是国家安全的守护者",
        "subtitle": "全民国家安全教育日专题", "summary": "每年4月15日是全民国家安全教育日。不随意拍摄军事设施、"
                                                "不在网上泄露涉密信息，是每个人力所能及的事。",
        "paragraphs": [
            "国家安全不只关乎国防和外交，也关乎网络、数据、生物、粮食等方方面面。",
            "在军事管理区附近不随意拍照发朋友圈，不向陌生“网友”提供身边的敏感信息，"
            "发现可疑情况拨打 12339 国家安全机关举报受理电话，都是青少年可以做到的。",
        ],
        "citation": ("中华人民共和国国家安全法", "第十四条", "每年4月15日为全民国家安全教育日。"),
        "topics": ["guojiaanquan"], "audiences": ["qingshaonian"], "campaigns": ["guoanri"],
        "tags": ["国家安全", "12339"], "channels": {},
    },
    {
        "column": "qingshaonian", "slug": "zhuzuoquan-xuexi", "kind": "explainer",
        "title": "做作业引用别人的文章算侵权吗",
        "subtitle": "", "summary": "为个人学习、研究使用他人已发表的作品属于合理使用，但要注明作者和出处。",
        "paragraphs": [
            "著作权法规定了“合理使用”：为个人学习、研究或者欣赏，使用他人已经发表的作品，"
            "可以不经著作权人许可，不向其支付报酬。",
            "但合理使用也有条件：应当指明作者姓名或者名称、作品名称，并且不得影响作品的正常使用。"
            "把别人的文章整篇抄来署上自己的名字参加比赛，就不是合理使用了。",
        ],
        "citation": None,
        "topics": ["zhishichanquan"], "audiences": ["qingshaonian"], "campaigns": ["zhichanzhou"],
        "tags": ["著作权", "合理使用"], "channels": {},
    },
    {
        "column": "qingshaonian", "slug": "geren-xinxi", "kind": "news",
        "title": "校园开展个人信息保护主题班会",
        "subtitle": "", "summary": "多所中学开展个人信息保护主题班会，教学生识别过度索权的应用和钓鱼链接。",
        "paragraphs": [
            "国家网络安全宣传周期间，多所中学以“守护个人信息”为主题开展班会。"
            "老师结合真实案例，讲解了如何识别过度索取权限的应用、可疑的抽奖链接和冒充客服的诈骗电话。",
            "个人信息保护法规定，处理个人信息应当遵循合法、正当、必要和诚信原则，"
            "不满十四周岁未成年人的个人信息属于敏感个人信息。",
        ],
        "citation": None,
        "topics": ["wangluoanquan", "weichengnianren"], "audiences": ["qingshaonian"],
        "campaigns": ["wangan"], "tags": ["个人信息保护"], "channels": {},
        "correction_note": "本文初稿将敏感个人信息的年龄界限误写为十六周岁，现已更正为十四周岁。",
    },
    {
        "column": "minfadian", "slug": "yizhu-xingshi", "kind": "qa",
        "title": "问答：自己写的遗嘱有效吗",
        "subtitle": "", "summary": "自书遗嘱由遗嘱人亲笔书写、签名，注明年、月、日即可；"
                                    "打印遗嘱需两个以上见证人在场见证。",
        "paragraphs": [
            "问：我自己在家手写了一份遗嘱，需要去公证吗？",
            "答：不一定。民法典规定的遗嘱形式有自书、代书、打印、录音录像、口头和公证遗嘱。"
            "自书遗嘱由遗嘱人亲笔书写，签名，注明年、月、日即可有效。",
            "问：立了几份内容不同的遗嘱，以哪份为准？答：以最后的遗嘱为准，"
            "公证遗嘱不再具有优先效力。",
        ],
        "citation": None,
        "topics": ["minfadian"], "audiences": ["laonianren"], "campaigns": ["minfadianyue"],
        "tags": ["继承", "遗嘱"], "channels": {},
    },
    {
        "column": "yian-shuofa", "slug": "jiaban-gongzi", "kind": "case",
        "title": "外卖骑手超时工作，加班费怎么算",
        "subtitle": "", "summary": "新就业形态劳动者与平台或用工单位之间的关系要看实际用工情况；"
                                    "构成劳动关系的，工时和加班费适用劳动法。",
        "paragraphs": [
            "骑手老孙每天工作十二小时以上，离职后要求站点支付加班费。站点称双方是“合作关系”。",
            "仲裁委员会审查了排班、考勤、罚款规则和报酬结算方式，认定站点对老孙进行劳动管理，"
            "双方构成劳动关系，支持了老孙的部分加班费请求。",
        ],
        "citation": ("中华人民共和国劳动法", "第三十六条",
                     "国家实行劳动者每日工作时间不超过八小时、平均每周工作时间不超过四十四小时的工时制度。"),
        "topics": ["laodong"], "audiences": ["xinjiuye"], "campaigns": [],
        "tags": ["新就业形态", "加班费"], "channels": {},
    },
]

VIDEOS = [
    {
        "column": "xianfa-xuexi", "slug": "xianfa-chendu-video", "title": "宪法晨读：一起读宪法序言",
        "summary": "国家宪法日，跟着主播一起朗读宪法序言片段。",
        "transcript": "大家好，今天是国家宪法日。我们一起来读一读宪法序言……",
        "topics": ["xianfa"], "campaigns": ["xianfari"], "tags": ["宪法晨读"],
        "channels": {"to_screens": True, "screen_caption": "国家宪法日 一起读宪法"},
    },
    {
        "column": "qingshaonian", "slug": "fanzha-video", "title": "一分钟识破“游戏装备交易”骗局",
        "summary": "低价卖装备、私下交易、先付款后发货？三个信号帮你识破骗局。",
        "transcript": "同学们，看到低价出售游戏装备的广告先别急着付款……",
        "topics": ["wangluoanquan", "weichengnianren"], "campaigns": ["wangan"], "tags": ["反诈"],
        "channels": {},
    },
]

# Ads: title, slogan, summary, issuing unit, colour, flight from/to (days from now).
ADS = [
    ("尊崇宪法 学习宪法 遵守宪法", "宪法在我心中", "国家宪法日公益广告。", "省司法厅", (163, 22, 27), -5, 30),
    ("拒绝高空抛物", "守护头顶上的安全", "高空抛物害人害己，人人有责。", "市普法办", (26, 95, 140), -10, 90),
    ("反诈进万家", "不听 不信 不转账", "防范电信网络诈骗公益广告。", "省公安厅", (46, 120, 70), -30, 60),
]
