// SNPool: placeholder until its issue lands; see Package.swift.
