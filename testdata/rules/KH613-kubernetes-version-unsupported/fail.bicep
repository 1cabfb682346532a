// scan: --as-of 2026-11-29

@description('Azure region of the clusters.')
param location string = resourceGroup().location

@description('Object ID of the Entra group that administers the clusters.')
param adminGroupObjectId string

@description('Resource ID of the Log Analytics workspace for Defender for Containers.')
param logAnalyticsWorkspaceId string

@description('Kubernetes version of the legacy cluster.')
param legacyKubernetesVersion string = '1.29'

@description('Kubernetes version of the spot node pool.')
param spotPoolVersion string

// On 2026-11-29: 1.33 ended 2026-07-31, 1.32 ended 2026-03-31, 1.34 ends 2026-11-30 (warning).
resource aks 'Microsoft.ContainerService/managedClusters@2026-10-01' = {
  name: 'aks-prod'
  location: location
  tags: {
    environment: 'production'
    workload: 'shop'
  }
  sku: {
    name: 'Base'
    tier: 'Standard'
  }
  identity: {
    type: 'SystemAssigned'
  }
  properties: {
    kubernetesVersion: '1.33'
    dnsPrefix: 'aks-prod'
    enableRBAC: true
    aadProfile: {
      managed: true
      enableAzureRBAC: true
      adminGroupObjectIDs: [
        adminGroupObjectId
      ]
      tenantID: subscription().tenantId
    }
    disableLocalAccounts: true
    networkProfile: {
      networkPlugin: 'azure'
      networkPluginMode: 'overlay'
      networkDataplane: 'cilium'
      networkPolicy: 'cilium'
      podCidr: '192.168.0.0/16'
      serviceCidr: '10.0.0.0/16'
      dnsServiceIP: '10.0.0.10'
      loadBalancerSku: 'standard'
    }
    autoUpgradeProfile: {
      upgradeChannel: 'patch'
      nodeOSUpgradeChannel: 'NodeImage'
    }
    apiServerAccessProfile: {
      authorizedIPRanges: [
        '203.0.113.0/24'
        '198.51.100.17/32'
      ]
    }
    oidcIssuerProfile: {
      enabled: true
    }
    securityProfile: {
      defender: {
        logAnalyticsWorkspaceResourceId: logAnalyticsWorkspaceId
        securityMonitoring: {
          enabled: true
        }
      }
      workloadIdentity: {
        enabled: true
      }
      imageCleaner: {
        enabled: true
        intervalHours: 168
      }
    }
    addonProfiles: {
      azurepolicy: {
        enabled: true
      }
    }
    agentPoolProfiles: [
      {
        name: 'system'
        mode: 'System'
        count: 3
        vmSize: 'Standard_D4ds_v5'
        osType: 'Linux'
        osSKU: 'AzureLinux'
        availabilityZones: [
          '1'
          '2'
          '3'
        ]
        orchestratorVersion: '1.32.7'
      }
      {
        name: 'user'
        mode: 'User'
        count: 3
        vmSize: 'Standard_D8ds_v5'
        osType: 'Linux'
        osSKU: 'AzureLinux'
        availabilityZones: [
          '1'
          '2'
          '3'
        ]
        orchestratorVersion: '1.34'
      }
    ]
  }
}

resource aksUpgradeWindow 'Microsoft.ContainerService/managedClusters/maintenanceConfigurations@2026-10-01' = {
  parent: aks
  name: 'aksManagedAutoUpgradeSchedule'
  properties: {
    maintenanceWindow: {
      schedule: {
        weekly: {
          intervalWeeks: 1
          dayOfWeek: 'Sunday'
        }
      }
      durationHours: 4
      startTime: '02:00'
      utcOffset: '+00:00'
    }
  }
}

// Child node pool on 1.31 (ended 2025-11-01).
resource batchPool 'Microsoft.ContainerService/managedClusters/agentPools@2026-10-01' = {
  parent: aks
  name: 'batch'
  properties: {
    mode: 'User'
    count: 2
    vmSize: 'Standard_D8ds_v5'
    osType: 'Linux'
    osSKU: 'AzureLinux'
    availabilityZones: [
      '1'
      '2'
      '3'
    ]
    orchestratorVersion: '1.31'
  }
}

// Version passed at deployment time (parameter without default): not judged.
resource spotPool 'Microsoft.ContainerService/managedClusters/agentPools@2026-10-01' = {
  parent: aks
  name: 'spot'
  properties: {
    mode: 'User'
    count: 2
    vmSize: 'Standard_D8ds_v5'
    osType: 'Linux'
    osSKU: 'AzureLinux'
    availabilityZones: [
      '1'
      '2'
      '3'
    ]
    orchestratorVersion: spotPoolVersion
  }
}

// Version from a parameter whose default is 1.29 (ended 2025-03-31).
resource aksLegacy 'Microsoft.ContainerService/managedClusters@2026-10-01' = {
  name: 'aks-legacy'
  location: location
  tags: {
    environment: 'production'
    workload: 'shop'
  }
  sku: {
    name: 'Base'
    tier: 'Standard'
  }
  identity: {
    type: 'SystemAssigned'
  }
  properties: {
    kubernetesVersion: legacyKubernetesVersion
    dnsPrefix: 'aks-legacy'
    enableRBAC: true
    aadProfile: {
      managed: true
      enableAzureRBAC: true
      adminGroupObjectIDs: [
        adminGroupObjectId
      ]
      tenantID: subscription().tenantId
    }
    disableLocalAccounts: true
    networkProfile: {
      networkPlugin: 'azure'
      networkPluginMode: 'overlay'
      networkDataplane: 'cilium'
      networkPolicy: 'cilium'
      loadBalancerSku: 'standard'
    }
    autoUpgradeProfile: {
      upgradeChannel: 'patch'
      nodeOSUpgradeChannel: 'NodeImage'
    }
    apiServerAccessProfile: {
      authorizedIPRanges: [
        '203.0.113.0/24'
        '198.51.100.17/32'
      ]
    }
    oidcIssuerProfile: {
      enabled: true
    }
    securityProfile: {
      defender: {
        logAnalyticsWorkspaceResourceId: logAnalyticsWorkspaceId
        securityMonitoring: {
          enabled: true
        }
      }
      workloadIdentity: {
        enabled: true
      }
    }
    agentPoolProfiles: [
      {
        name: 'system'
        mode: 'System'
        count: 2
        vmSize: 'Standard_D4ds_v5'
        osType: 'Linux'
        osSKU: 'AzureLinux'
        availabilityZones: [
          '1'
          '2'
          '3'
        ]
      }
    ]
  }
}

// Long-term support needs the Premium tier: on Standard, 1.32's community date applies.
resource aksLts 'Microsoft.ContainerService/managedClusters@2026-10-01' = {
  name: 'aks-lts'
  location: location
  tags: {
    environment: 'production'
    workload: 'shop'
  }
  sku: {
    name: 'Base'
    tier: 'Standard'
  }
  identity: {
    type: 'SystemAssigned'
  }
  properties: {
    kubernetesVersion: '1.32'
    supportPlan: 'AKSLongTermSupport'
    dnsPrefix: 'aks-lts'
    enableRBAC: true
    aadProfile: {
      managed: true
      enableAzureRBAC: true
      adminGroupObjectIDs: [
        adminGroupObjectId
      ]
      tenantID: subscription().tenantId
    }
    disableLocalAccounts: true
    networkProfile: {
      networkPlugin: 'azure'
      networkPluginMode: 'overlay'
      networkDataplane: 'cilium'
      networkPolicy: 'cilium'
      loadBalancerSku: 'standard'
    }
    autoUpgradeProfile: {
      upgradeChannel: 'patch'
      nodeOSUpgradeChannel: 'NodeImage'
    }
    apiServerAccessProfile: {
      authorizedIPRanges: [
        '203.0.113.0/24'
        '198.51.100.17/32'
      ]
    }
    oidcIssuerProfile: {
      enabled: true
    }
    securityProfile: {
      defender: {
        logAnalyticsWorkspaceResourceId: logAnalyticsWorkspaceId
        securityMonitoring: {
          enabled: true
        }
      }
      workloadIdentity: {
        enabled: true
      }
    }
    agentPoolProfiles: [
      {
        name: 'system'
        mode: 'System'
        count: 2
        vmSize: 'Standard_D4ds_v5'
        osType: 'Linux'
        osSKU: 'AzureLinux'
        availabilityZones: [
          '1'
          '2'
          '3'
        ]
      }
    ]
  }
}
