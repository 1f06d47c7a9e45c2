/// Chinese names for the generated city: street offices (街道/镇/乡), communities (社区) and
/// streets (大街, 路, 胡同...). Names are drawn from lists of real-sounding Beijing place-name
/// stems; communities and street offices get unique names through a seeded bijection, streets
/// may repeat far apart, as they do in real cities.
struct SampleNames {
    let seed: UInt64
    /// Multiplier and offset of the affine permutations that shuffle the stem lists per seed.
    private let communityStride: Int
    private let communityOffset: Int
    private let officeStride: Int
    private let officeOffset: Int

    init(seed: UInt64) {
        self.seed = seed
        var rng = SplitMix64(seed: seed, stream: .names)
        communityStride = Self.coprime(to: Self.communityStems.count, &rng)
        communityOffset = rng.int(below: Self.communityStems.count)
        officeStride = Self.coprime(to: Self.officeStems.count, &rng)
        officeOffset = rng.int(below: Self.officeStems.count)
    }

    private static func coprime(to n: Int, _ rng: inout SplitMix64) -> Int {
        func gcd(_ a: Int, _ b: Int) -> Int { b == 0 ? a : gcd(b, a % b) }
        while true {
            let k = 1 + rng.int(below: n - 1)
            if gcd(k, n) == 1 { return k }
        }
    }

    /// Most communities a district can name uniquely.
    static var communityNameCapacity: Int { communityStems.count * communityModifiers.count * communityOrdinals.count }

    /// The name of the `index`-th community of the district (in code order), e.g. "东四社区".
    /// Distinct indices give distinct names up to ``communityNameCapacity``.
    func communityName(_ index: Int) -> String {
        let s = Self.communityStems.count, m = Self.communityModifiers.count
        let perTier = s * m
        let tier = (index / perTier) % Self.communityOrdinals.count
        let r = index % perTier
        let stem = Self.communityStems[(communityStride * (r % s) + communityOffset) % s]
        return stem + Self.communityModifiers[r / s] + Self.communityOrdinals[tier] + "社区"
    }

    /// The stem of a community name, for naming the lanes inside it (东四 → 东四头条).
    func communityStem(_ index: Int) -> String {
        let s = Self.communityStems.count
        return Self.communityStems[
            (communityStride * (index % (s * Self.communityModifiers.count) % s) + communityOffset) % s]
    }

    /// The name of the `index`-th street office (0-based, in code order), with the suffix its
    /// code range calls for: 001-099 街道, 100-199 镇, 200-399 乡 (GB/T 10114).
    func streetOfficeName(_ index: Int, code: Int) -> String {
        let s = Self.officeStems.count
        let stem = Self.officeStems[(officeStride * (index % s) + officeOffset) % s]
        let modifier = Self.officeModifiers[(index / s) % Self.officeModifiers.count]
        let suffix = code < 100 ? "街道" : (code < 200 ? "镇" : "乡")
        return modifier + stem + suffix
    }

    /// A road name for a stretch of a lattice line: "朝阳门内大街" for arterials, "光明街" for
    /// secondary roads.
    func lineRoadName(_ roadClass: RoadClass, vertical: Bool, line: Int, stretch: Int) -> String {
        var rng = SplitMix64(seed: seed, stream: .names, vertical ? 1 : 2, line, stretch)
        let stem = Self.roadStems[rng.int(below: Self.roadStems.count)]
        switch roadClass {
        case .arterial:
            let modifier = ["", "", "内", "外", "东", "西", "南", "北"][rng.int(below: 8)]
            let suffix = ["大街", "大街", "路", "大道"][rng.int(below: 4)]
            return stem + modifier + suffix
        default:
            let modifier = ["", "", "东", "西", "南", "北", "中"][rng.int(below: 7)]
            let suffix = ["街", "路", "大街", "街"][rng.int(below: 4)]
            return stem + modifier + suffix
        }
    }

    /// The name of a secondary road running through cells: shared by a few cells in a row.
    func spineName(vertical: Bool, line: Int, stretch: Int) -> String {
        var rng = SplitMix64(seed: seed, stream: .names, vertical ? 3 : 4, line, stretch)
        let stem = Self.roadStems[rng.int(below: Self.roadStems.count)]
        let suffix = ["街", "路", "胡同", "斜街", "大街"][rng.int(below: 5)]
        let modifier = ["", "", "东", "西", "南", "北", "前", "后"][rng.int(below: 8)]
        return stem + modifier + suffix
    }

    /// A numbered lane name, "东四三条" style: the `number`-th (1-based) lane of a stem.
    static func numberedLane(_ stem: String, _ number: Int) -> String {
        stem + lanesOrdinals[min(number, lanesOrdinals.count) - 1] + "条"
    }

    /// A name for a branch road or alley inside cell `cell`.
    func laneName(_ roadClass: RoadClass, cell: Int, index: Int) -> String {
        var rng = SplitMix64(seed: seed, stream: .names, 5, cell, index)
        let stem = Self.alleyStems[rng.int(below: Self.alleyStems.count)]
        if roadClass == .alley {
            return stem + ["胡同", "胡同", "巷", "夹道", "小胡同", "东巷", "西巷", "斜街"][rng.int(below: 8)]
        }
        return stem + ["胡同", "胡同", "巷", "街", "路"][rng.int(below: 5)]
    }

    // MARK: Lists

    static let lanesOrdinals = ["头", "二", "三", "四", "五", "六", "七", "八", "九", "十", "十一", "十二", "十三", "十四"]

    static let officeModifiers = ["", "东", "西", "南", "北", "新"]

    static let officeStems = [
        "东华门", "景山", "交道口", "安定门", "北新桥", "东四", "朝阳门", "建国门", "东直门", "和平里",
        "前门", "崇文门外", "东花市", "龙潭", "体育馆路", "天坛", "永定门外", "什刹海", "德胜", "西长安街",
        "新街口", "月坛", "展览路", "广安门内", "牛街", "白纸坊", "椿树", "大栅栏", "陶然亭", "天桥",
        "金融街", "西直门", "阜成门", "宣武门", "右安门", "左安门", "广渠门", "东便门", "西便门", "安贞",
        "和平街", "小关", "亚运村", "望京", "酒仙桥", "将台", "麦子店", "团结湖", "三里屯", "呼家楼",
        "八里庄", "双井", "劲松", "潘家园", "十八里店", "小红门", "南磨房", "高碑店", "太阳宫", "大屯",
        "奥运村", "学院路", "万寿路", "羊坊店", "甘家口", "紫竹院", "北下关", "中关村", "青龙桥", "香山",
        "清河", "马甸",
    ]

    static let communityModifiers = [
        "", "东", "西", "南", "北", "中", "东里", "西里", "南里", "北里",
        "一里", "二里", "三里", "新村", "小区", "家园", "花园", "胡同", "大街", "前街",
        "后街", "路", "东街", "西街", "南街", "北街", "头条", "二条", "三条", "四条",
        "园", "苑", "坊", "里", "巷", "桥", "门", "楼", "院", "庄",
    ]

    static let communityOrdinals = [
        "", "第二", "第三", "第四", "第五", "第六", "第七", "第八", "第九", "第十",
        "第十一", "第十二", "第十三", "第十四", "第十五", "第十六", "第十七", "第十八", "第十九", "第二十",
    ]

    static let communityStems = [
        "东四", "西四", "南锣", "交道口", "府学", "东棉花", "菊儿", "帽儿", "鼓楼苑", "国子监",
        "五道营", "雍和宫", "分司厅", "北新仓", "海运仓", "新中街", "十字坡", "清水苑", "禄米仓", "演乐",
        "本司", "史家", "内务部", "礼士", "灯市口", "东厂", "智德", "东交民巷", "台基厂", "正义路",
        "西总布", "北总布", "大羊宜宾", "金宝街", "新鲜", "南小街", "朝内", "竹杆", "东总布", "赵堂子",
        "北竹竿", "遂安伯", "西堂子", "东堂子", "外交部街", "新开路", "东单", "苏州胡同", "崇内", "花市",
        "广渠门内", "夕照寺", "幸福", "光明", "龙潭", "体育馆", "法华寺", "天坛东里", "永内", "桃园",
        "景泰", "安乐林", "西革新里", "东革新里", "定安里", "安德路", "青年湖", "黄寺", "地坛", "小黄庄",
        "安外", "东河沿", "百花", "砖塔", "西板桥", "东板桥", "钟鼓", "銮庆", "魏家", "大兴",
        "东公街", "细管", "福祥", "前圆恩寺", "后圆恩寺", "黑芝麻", "沙井", "鼓楼东", "宝钞", "小经厂",
        "土儿", "草厂", "芦草园", "长巷", "前门东", "西兴隆", "鲜鱼口", "大江", "北羊市口", "枣苑",
        "忠实里", "新景", "板厂", "东晓市", "西园子", "龙须沟", "左安", "玉蜓桥", "西花市", "手帕口",
        "东营房", "北官厅", "香河园", "左家庄", "三元里", "工体", "水碓子", "红庙", "小庄", "金台",
        "延静里", "十里堡", "甜水园", "石佛营", "六铺炕", "安华里", "裕中", "黄化门", "织染局", "方家",
        "箭厂", "汪家", "什锦花园", "南池子", "北池子", "南河沿", "北河沿", "东黄城根", "骑河楼", "嵩祝院",
        "美术馆", "大佛寺", "钱粮", "隆福寺", "东不压桥", "北兵马司", "炒豆", "板桥", "豆腐池", "香饵",
    ]

    static let roadStems = [
        "朝阳门", "建国门", "东直门", "安定门", "地安门", "鼓楼", "交道口", "北新桥", "东四", "东单",
        "崇文门", "广渠门", "两广", "光明", "幸福", "天坛", "永定门", "前门", "珠市口", "平安",
        "王府井", "灯市口", "美术馆", "张自忠", "北河沿", "南河沿", "东黄城根", "景山", "五四", "和平里",
        "安外", "雍和宫", "东中", "新中", "工体", "左安", "龙潭", "法华寺", "夕照寺", "白桥",
        "磁器口", "花市", "草厂", "打磨厂", "长巷", "鲜鱼口", "樱桃", "菊儿", "帽儿", "南锣鼓巷",
        "府学", "国子监", "方家", "箭厂", "钟楼湾", "史家", "内务部", "礼士", "演乐", "本司",
        "东堂子", "西堂子", "遂安伯", "赵堂子", "大羊宜宾", "西总布", "东总布", "北总布", "新鲜", "干面",
        "禄米仓", "东石槽", "豆瓣", "盔甲厂", "船板", "苏州", "后沟", "东交民巷", "台基厂", "正义",
        "东长安", "崇外", "体育馆", "永外", "安乐林", "沙子口", "广安", "宣武门", "阜成门", "西直门",
        "德胜门", "新街口", "护国寺", "百万庄", "三里河", "车公庄", "展览馆", "月坛", "复兴门", "长椿",
    ]

    static let alleyStems = [
        "炒面", "圆恩寺", "黑芝麻", "沙井", "帽儿", "雨儿", "福祥", "蓑衣", "板厂", "东棉花",
        "前鼓楼苑", "后鼓楼苑", "秦老", "北兵马司", "菊儿", "小菊儿", "寿比", "大经厂", "小经厂", "宝钞",
        "净土", "大兴", "细管", "分司厅", "五道营", "箭厂", "方家", "国学", "戏楼", "炮局",
        "土儿", "北吉祥", "南吉祥", "铃铛", "花枝", "豆角", "草厂", "芦草园", "高井", "东利市营",
        "青云", "西兴隆", "大江", "小江", "冰窖厂", "薛家湾", "珠营", "铁辘轳把", "蒜市口", "缨子",
        "演乐", "本司", "灯草", "干鱼", "椿树", "大取灯", "小取灯", "汪家", "烧酒", "蜡烛芯",
    ]
}
